import Foundation
import Testing
import Wire
import WireRuntime
@testable import Gateway

@Suite struct HTTPResponseTests {
    @Test func serializesStatusHeadersLengthAndBody() {
        let bytes = HTTPResponse.json(200, #"{"a":1}"#).serialized(keepAlive: true)
        #expect(String(decoding: bytes, as: UTF8.self)
            == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\nConnection: keep-alive\r\n\r\n{\"a\":1}")
    }

    @Test func saysConnectionCloseWhenNotKeepingAlive() {
        let text = String(decoding: HTTPResponse(status: 204).serialized(keepAlive: false), as: UTF8.self)
        #expect(text.contains("Connection: close\r\n"))
    }

    @Test func errorsHaveTheLegacyErrorShape() throws {
        let response = HTTPResponse.error(400, "Bad request", "Say \"please\"\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String])
        #expect(object == ["error": "Bad request", "message": "Say \"please\"\n"])
    }

    @Test func quotesControlCharactersAsUnicodeEscapes() {
        #expect(JSONText.quoted("a\u{01}b") == #""a\u0001b""#)
    }

    @Test(arguments: [
        (APIError.notFound(path: "/x"), 404),
        (APIError.methodNotAllowed(method: "POST", allowed: ["GET"]), 405),
        (APIError.tooManyConnections(limit: 3), 503),
        (APIError.requestTimeout(after: .seconds(30)), 408),
        (APIError.coordinatorUnavailable("down"), 503),
        (APIError.remote(RemoteFailure(.conflict, "finished")), 409),
        (APIError.remote(RemoteFailure(.gone, "purged")), 410),
        (APIError.remote(RemoteFailure(.badRequest, "typo")), 400),
        (APIError.internalError("boom"), 500),
        (APIError.malformedRequest(.headersTooLarge(limit: 16384)), 431),
    ])
    func mapsEveryErrorToItsStatus(_ error: APIError, _ status: Int) throws {
        let response = error.response
        #expect(response.status == status)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String])
        #expect(object["error"]?.isEmpty == false)
        #expect(object["message"]?.isEmpty == false)
    }

    @Test func methodNotAllowedNamesTheAllowedMethods() {
        let response = APIError.methodNotAllowed(method: "POST", allowed: ["GET", "DELETE"]).response
        #expect(response.headers.contains { $0.name == "Allow" && $0.value == "GET, DELETE" })
    }

    @Test func healthIsOKOnlyWhenEveryShardIsUp() {
        let allUp = ClusterHealth(shards: (0..<4).map { ShardHealth(index: $0, up: true, pid: 1, restarts: 0) })
        #expect(HealthEndpoint.response(for: allUp) == .json(200, #"{"status":"ok","shards":{"up":4,"total":4}}"#))
        var oneDown = allUp
        oneDown.shards[2].up = false
        #expect(HealthEndpoint.response(for: oneDown) == .json(503, #"{"status":"degraded","shards":{"up":3,"total":4}}"#))
        #expect(HealthEndpoint.response(for: ClusterHealth(shards: [])).status == 503)
    }
}
