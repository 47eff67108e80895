#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
import Wire
import WireRuntime
import WireTransport
@testable import Gateway

/// An import batch may wait on the coordinator longer than any other request
/// (`GatewayLimits.importBatchTimeout`), since on a busy cluster it queues behind
/// the batches ahead of it; past its own limit, or when it fails, the import stops
/// with an answer that says which line to resume from. The coordinator here is a
/// test peer that answers each batch after `answerDelay`.
@Suite(.serialized) struct ImportBatchTimeoutTests {
    /// Two batches' worth of one-contact lines.
    static let lines = ImportEndpoint.batchRecords + 10

    /// The id on line `number + 1`.
    static func id(_ number: Int) -> String { String(format: "%024x", number) }

    private func importing(
        lines: Int = Self.lines, answerDelay: Duration, batchTimeout: Duration, failingImportOf: String? = nil
    ) async throws -> HTTPResponse {
        let loop = try EventLoop(name: "import-timeout")
        loop.start()
        let server = try TestServer(loop: loop, delegate: RecordingDelegate(answerDelay: answerDelay, failingImportOf: failingImportOf))
        let link = PeerLink(
            path: server.path, hello: Hello(role: .gateway, pid: getpid()), loop: loop, delegate: RecordingDelegate(),
            log: Log(process: "import-timeout", minimumLevel: .error))
        let linked = Task { await link.run() }
        await link.waitUntilConnected()
        defer { server.stop(); loop.stop() }
        // Every other request would give up after 100 ms.
        let endpoint = ImportEndpoint(
            coordinator: CoordinatorClient(link: link, timeout: .milliseconds(100)), lineLimit: 1 << 20, batchTimeout: batchTimeout,
            log: Log(process: "import-timeout", minimumLevel: .error))
        let body = RequestBody(resumeReading: {})
        for number in 0..<lines {
            _ = body.append(Array(#"{"_id":"\#(Self.id(number))","name":"N\#(number)"}\#n"#.utf8))
        }
        body.finish()
        let claims = Claims(subject: "u1", orgId: "o1", role: .admin, expiresAt: .max)
        let request = HTTPRequest(head: .sample(path: "/api/contacts/import", method: "POST"), body: [])
        let response = try await endpoint.handle(request, body, claims)
        linked.cancel()
        await linked.value
        return response
    }

    @Test func aBatchWaitsPastTheCoordinatorTimeoutUpToItsOwn() async throws {
        let response = try await importing(answerDelay: .milliseconds(400), batchTimeout: .seconds(5))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self).contains(#""imported":{"contacts":\#(Self.lines),"#))
    }

    @Test func aBatchPastItsTimeoutStopsTheImportSayingWhereToResume() async throws {
        let response = try await importing(answerDelay: .seconds(3), batchTimeout: .milliseconds(300))
        #expect(response.status == 503)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains(#""imported":{"contacts":0,"#), "\(text)")
        #expect(text.contains(#""stoppedAtLine":1,"#), "\(text)")
        #expect(text.contains("send them again from line 1 "), "\(text)")
    }

    /// Three batches in flight at once, the second failing: the import stops at the second's first
    /// line, and the third, confirmed after it failed, is not counted (its lines come again).
    @Test func aBatchThatFailsInFlightStopsTheImportAtItsFirstLine() async throws {
        let batch = ImportEndpoint.batchRecords
        let response = try await importing(
            lines: 3 * batch, answerDelay: .milliseconds(200), batchTimeout: .seconds(5), failingImportOf: Self.id(batch + 5))
        #expect(response.status == 503)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains(#""imported":{"contacts":\#(batch),"#), "\(text)")
        #expect(text.contains(#""stoppedAtLine":\#(batch + 1),"#), "\(text)")
        #expect(text.contains("shard 1 is down"), "\(text)")
    }
}
