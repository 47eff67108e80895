import Foundation
import TestSupport
import Testing
import Wire
import WireRuntime
import WireTransport
@testable import Gateway

/// `docs/openapi.yaml` documents every route the gateway's router knows, and nothing else.
/// (That it is valid OpenAPI 3, and that the server answers as it says, `scripts/openapi-check`
/// checks with openapi-spec-validator and Schemathesis against a live cluster.)
@Suite struct OpenAPIDocumentTests {
    /// The (METHOD, path) pairs under `paths:`, read line by line: two spaces and a path, then
    /// four spaces and a method.
    static func documented() throws -> Set<String> {
        let yaml = try String(contentsOfFile: repositoryRoot.appendingPathComponent("docs/openapi.yaml").path, encoding: .utf8)
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        var pairs: Set<String> = []
        var inPaths = false
        var path: Substring?
        for line in lines {
            if line == "paths:" { inPaths = true; continue }
            if inPaths && !line.hasPrefix(" ") && !line.isEmpty { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /") && line.hasSuffix(":") && !line.hasPrefix("   ") {
                path = line.dropFirst(2).dropLast()
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.dropFirst(4).dropLast()
                if ["get", "put", "post", "delete", "patch", "head", "options"].contains(method) { pairs.insert("\(method.uppercased()) \(path)") }
            }
        }
        return pairs
    }

    @Test func everyRouteIsDocumentedAndNothingElse() throws {
        let loop = try EventLoop(name: "openapi-routes")
        let link = PeerLink(
            path: "/nonexistent", hello: Hello(role: .gateway, pid: 1), loop: loop, delegate: GatewayLinkDelegateStub(),
            log: Log(process: "openapi-routes", minimumLevel: .error))
        let router = Routes.make(
            coordinator: CoordinatorClient(link: link, timeout: .seconds(1)), jobs: JobCache(),
            authenticator: Authenticator(verifier: TokenVerifier(secret: Array("s".utf8))), limits: .standard, metrics: GatewayMetrics(),
            documents: BuiltInDocuments(openAPI: [], jobPage: []), log: Log(process: "openapi-routes", minimumLevel: .error))
        let routed = Set(router.table.map { "\($0.method) \($0.pattern)" })
        let documented = try Self.documented()
        #expect(routed.subtracting(documented).isEmpty, "routes the document leaves out: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
        #expect(routed.count > 15)
    }
}

/// A link delegate for a link that never connects.
private struct GatewayLinkDelegateStub: ConnectionDelegate {
    func handle(_ request: Request, on connection: Connection) async -> Response { .failure(RemoteFailure(.badRequest, "none")) }
    func received(_ notice: Notice, on connection: Connection) async {}
    func closed(_ connection: Connection, error: (any Error)?) async {}
}
