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
        guard case .found(.buffered(let handler, _), let parameters, _, _, _) = router().resolve(method: "GET", path: "/api/contacts/bulk-job/abc-123") else {
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
        guard case .found(_, let parameters, _, _, _) = router.resolve(method: "GET", path: "/api/contacts/stats"), parameters.isEmpty else {
            Issue.record("stats was captured as an id")
            return
        }
        guard case .found(_, let captured, _, _, _) = router.resolve(method: "GET", path: "/api/contacts/abc") else {
            Issue.record("a contact id was not captured")
            return
        }
        #expect(captured == ["id": "abc"])
    }

    /// A query parameter the route does not name never reaches its handler: `?dryRun=true` on a
    /// delete must not be ignored and delete.
    @Test func aQueryParameterTheRouteDoesNotTakeIsA400BeforeItsHandler() async {
        var router = Router()
        router.add("DELETE", "/delete") { _ in .json(202, "{}") }
        router.add("GET", "/list", query: ["limit"]) { _ in .json(200, "{}") }
        router.addStreaming("POST", "/upload", bodyLimit: 10) { _, _ in .json(200, "{}") }
        router.addEventStream("GET", "/events") { _ in .refuse(.json(204, "")) }
        func status(_ method: String, _ target: String) async -> Int {
            let head = HTTPRequestHead.sample(path: target, method: method)
            guard case .found(let endpoint, let parameters, _, _, _) = router.resolve(method: method, path: head.path) else { return 404 }
            let request = HTTPRequest(head: head, body: [], parameters: parameters)
            switch endpoint {
            case .buffered(let handler, _): return await handler(request).status
            case .streaming(let handler): return await handler(request, RequestBody(resumeReading: {})).status
            case .eventStream(let handler):
                guard case .refuse(let response) = handler(request) else { return 200 }
                return response.status
            }
        }
        #expect(await status("DELETE", "/delete") == 202)
        #expect(await status("DELETE", "/delete?dryRun=true") == 400)
        #expect(await status("GET", "/list?limit=3") == 200)
        #expect(await status("GET", "/list?limit=3&cursr=x") == 400)
        #expect(await status("POST", "/upload?x=1") == 400)
        #expect(await status("GET", "/events?lastEventId=3") == 400)
        #expect(await status("GET", "/events") == 204)
    }

    /// A route that needs a token, with the admission that refuses every request here.
    private func guarded() -> Router {
        var router = router()
        router.addStreaming("POST", "/guarded-upload", bodyLimit: 1234, admission: { _ in .failure(.unauthorized("no token")) }) { _, _ in .json(200, "{}") }
        router.add("GET", "/guarded", admission: { _ in .failure(.unauthorized("no token")) }) { _ in .json(200, "{}") }
        return router
    }

    @Test func aRouteThatNeedsATokenCarriesItsOwnBodyLimitAndOthersTheSmallBudgetOfAStranger() {
        let router = guarded()
        func limit(_ method: String, _ path: String, standard: Int = 100, withoutToken: Int = 10) -> Int {
            router.bodyLimit(for: .sample(path: path, method: method), standard: standard, withoutToken: withoutToken)
        }
        #expect(limit("POST", "/guarded-upload") == 1234)
        #expect(limit("GET", "/guarded") == 100)
        // No token admits these: a route that needs none, even with a limit of its own, an unknown path, a wrong method.
        #expect(limit("POST", "/upload") == 10)
        #expect(limit("GET", "/healthz") == 10)
        #expect(limit("GET", "/nope") == 10)
        #expect(limit("PUT", "/guarded") == 10)
        #expect(limit("GET", "/healthz", withoutToken: 1000) == 100)
    }

    /// The connection asks at the head whether a route needs a token: the resolution says so.
    @Test func aResolutionSaysWhetherItsRouteNeedsAToken() {
        let router = guarded()
        guard case .found(_, _, _, _, let admission?) = router.resolve(method: "GET", path: "/guarded"),
            case .failure(let refusal) = admission(.sample(path: "/guarded"))
        else {
            Issue.record("GET /guarded was not refused by its admission")
            return
        }
        #expect(refusal.response.status == 401)
        guard case .found(_, _, _, _, nil) = router.resolve(method: "GET", path: "/healthz") else {
            Issue.record("GET /healthz needs a token")
            return
        }
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
