import Testing
@testable import Gateway

@Suite struct RouterTests {
    private func router() -> Router {
        var router = Router()
        router.add("GET", "/healthz") { _ in .json(200, "{}") }
        router.add("GET", "/api/contacts/bulk-job/{jobId}") { request in .json(200, request.parameters["jobId"] ?? "") }
        router.add("DELETE", "/api/contacts/bulk-job/{jobId}") { _ in .json(202, "{}") }
        router.addStreaming("POST", "/upload", bodyLimit: 1234) { _, _ in .json(200, "{}") }
        return router
    }

    @Test func resolvesAnExactPath() {
        guard case .found = router().resolve(method: "GET", path: "/healthz") else {
            Issue.record("GET /healthz not found")
            return
        }
    }

    @Test func capturesPathParameters() async {
        guard case .found(.buffered(let handler, _), let parameters, _) = router().resolve(method: "GET", path: "/api/contacts/bulk-job/abc-123") else {
            Issue.record("not found")
            return
        }
        #expect(parameters == ["jobId": "abc-123"])
        let head = HTTPRequestHead.sample(path: "/api/contacts/bulk-job/abc-123")
        #expect(await handler(HTTPRequest(head: head, body: [], parameters: parameters)).body == Array("abc-123".utf8))
    }

    @Test func answersMethodNotAllowedWithEveryAllowedMethod() {
        guard case .methodNotAllowed(let allowed) = router().resolve(method: "POST", path: "/api/contacts/bulk-job/x") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == ["GET", "DELETE"])
    }

    /// A literal path answers for itself, whatever order routes were added in: another method on
    /// it is a 405, never a capture by a pattern beside it.
    @Test func aLiteralPathWinsOverAPatternThatWouldCaptureIt() {
        var router = Router()
        router.add("GET", "/api/contacts/{id}") { _ in .json(200, "{}") }
        router.add("DELETE", "/api/contacts/query-bulk-delete") { _ in .json(202, "{}") }
        router.add("GET", "/api/contacts/stats") { _ in .json(200, "{}") }
        guard case .methodNotAllowed(let allowed) = router.resolve(method: "GET", path: "/api/contacts/query-bulk-delete") else {
            Issue.record("GET on the bulk delete's path was not a 405")
            return
        }
        #expect(allowed == ["DELETE"])
        guard case .found(_, let parameters, _) = router.resolve(method: "GET", path: "/api/contacts/stats"), parameters.isEmpty else {
            Issue.record("stats was captured as an id")
            return
        }
        guard case .found(_, let captured, _) = router.resolve(method: "GET", path: "/api/contacts/abc") else {
            Issue.record("a contact id was not captured")
            return
        }
        #expect(captured == ["id": "abc"])
    }

    @Test func aStreamingRouteCarriesItsOwnBodyLimit() {
        #expect(router().bodyLimit(for: .sample(path: "/upload", method: "POST")) == 1234)
        #expect(router().bodyLimit(for: .sample(path: "/healthz")) == nil)
    }

    @Test(arguments: ["/nope", "/healthz/extra", "/api/contacts/bulk-job/", "/api/contacts/bulk-job", "/"])
    func answersNotFoundForPathsNoRouteMatches(_ path: String) {
        guard case .notFound = router().resolve(method: "GET", path: path) else {
            Issue.record("\(path) matched a route")
            return
        }
    }
}

extension HTTPRequestHead {
    /// A GET request head for tests that need one.
    static func sample(path: String, method: String = "GET", headers: String = "") -> HTTPRequestHead {
        var parser = HTTPRequestParser()
        parser.append(Array("\(method) \(path) HTTP/1.1\r\nHost: x\r\n\(headers)\r\n".utf8))
        guard case .head(let head)? = try? parser.next() else { preconditionFailure("sample request did not parse") }
        return head
    }
}
