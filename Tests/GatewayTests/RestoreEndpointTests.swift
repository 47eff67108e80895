#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import Wire
import WireRuntime
import WireTransport
@testable import Gateway

/// `POST /api/contacts/bulk-job/{jobId}/restore`: what the gateway asks the registry for, and how it
/// answers. The rules (404, 409, 410) are the registry's; here a test peer answers for it.
@Suite(.serialized) struct RestoreEndpointTests {
    private static let claims = Claims(subject: "u1", orgId: "o1", role: .admin, expiresAt: .max)

    /// The endpoint's answer to `body` and `headers` when the coordinator answers every call with `answer`.
    private func restore(_ body: String = "", headers: String = "", answer: Answer, jobs: JobCache = JobCache()) async throws -> HTTPResponse {
        let loop = try EventLoop(name: "restore-endpoint")
        loop.start()
        let server = try TestServer(loop: loop, delegate: RecordingDelegate(fixedAnswer: answer))
        let link = PeerLink(
            path: server.path, hello: Hello(role: .gateway, pid: getpid()), loop: loop, delegate: RecordingDelegate(),
            log: Log(process: "restore-endpoint", minimumLevel: .error))
        let linked = Task { await link.run() }
        await link.waitUntilConnected()
        defer { server.stop(); loop.stop() }
        let endpoints = BulkDeleteEndpoints(coordinator: CoordinatorClient(link: link, timeout: .seconds(5)), jobs: jobs)
        let head = HTTPRequestHead.sample(path: "/api/contacts/bulk-job/d1/restore", method: "POST", headers: headers)
        let response: HTTPResponse
        do {
            response = try await endpoints.restore(HTTPRequest(head: head, body: Array(body.utf8), parameters: ["jobId": "d1"]), Self.claims)
        } catch {
            response = error.response
        }
        linked.cancel()
        await linked.value
        return response
    }

    private static func registered(replayed: Bool) -> Answer {
        var document = JobDocument(
            jobId: "r1", kind: .restore, org: "o1", status: .queued, counters: DeleteCounters(), shards: [], errors: [], filterJSON: "{}",
            requestedBy: "u1", createdAt: 1, startedAt: nil, updatedAt: 1, finishedAt: nil, ratePerSecond: nil)
        document.restores = "d1"
        return .reply(encoding: RegisteredJob(document, replayed: replayed))
    }

    @Test func asksTheRegistryForARestoreOfThePathsJobForTheCaller() {
        let request = BulkDeleteEndpoints.restoring("d1", Self.claims, idempotencyKey: "k1")
        #expect(request.kind == .restore && request.restores == "d1" && request.org == "o1" && request.requester == "u1")
        #expect(request.idempotencyKey == "k1" && !request.permanent)
        // The registry fills in the delete's filter: the gateway sends none of its own.
        #expect(request.filter == ContactFilter() && request.filterJSON.isEmpty)
    }

    @Test(arguments: ["", "{}", " { } "])
    func answers202WithTheNewJobForNoBodyOrAnEmptyObject(body: String) async throws {
        let response = try await restore(body, answer: Self.registered(replayed: false))
        #expect(response.status == 202)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"jobId":"r1","message":"Restore started"}"#)
        #expect(!response.headers.contains { $0.name == "Idempotent-Replayed" })
    }

    /// The delete names its restore from now on: the gateway's copy of it, finished and served for a
    /// minute otherwise, must not hide that from the next poll.
    @Test func theNextPollOfTheDeleteAsksTheCoordinatorAgain() async throws {
        let jobs = JobCache()
        jobs.store(
            JobDocument(
                jobId: "d1", kind: .delete, org: "o1", status: .completed, counters: DeleteCounters(), shards: [], errors: [], filterJSON: "{}",
                requestedBy: "u1", createdAt: 1, startedAt: 2, updatedAt: 3, finishedAt: 3, ratePerSecond: nil))
        #expect(jobs.lookup("d1") != nil)
        #expect(try await restore(answer: Self.registered(replayed: false), jobs: jobs).status == 202)
        #expect(jobs.lookup("d1") == nil && jobs.lookup("r1") != nil)
    }

    @Test func aReplayAnswersAsADeletesReplayDoes() async throws {
        let response = try await restore(headers: "Idempotency-Key: k1\r\n", answer: Self.registered(replayed: true))
        #expect(response.status == 202)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.hasPrefix(#"{"jobId":"r1","message":"Replayed: job r1 was started by an earlier request"#), "\(text)")
        #expect(response.headers.contains { $0.name == "Idempotent-Replayed" && $0.value == "true" })
    }

    /// A restore has no options: a body that seems to give some (a filter, a throttle) must not run without them.
    @Test(arguments: [
        (#"{"orgWide":true}"#, #"holds "orgWide""#), (#"{"a":1,"b":2,"c":3,"d":4}"#, #"holds "a", "b", "c", …"#), ("[]", "is an array"),
        ("null", "is null"), ("{", "is not strict JSON"),
    ])
    func anyOtherBodyIsA400SayingARestoreTakesNone(body: String, saying: String) async throws {
        let response = try await restore(body, answer: Self.registered(replayed: false))
        let answer = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        let message = answer?["message"] as? String ?? ""
        #expect(response.status == 400, "\(message)")
        #expect(message.contains("The body \(saying)") && message.contains("a restore takes no options: send no body or {}"), "\(message)")
    }

    @Test func aBadIdempotencyKeyIsRefusedAsForADelete() async throws {
        let response = try await restore(headers: "Idempotency-Key: a\r\nIdempotency-Key: b\r\n", answer: Self.registered(replayed: false))
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self).contains("Idempotency-Key was sent 2 times"))
    }

    /// The registry's refusals reach the caller as its statuses, with its message.
    @Test func theRegistrysRefusalsPassThrough() async throws {
        let refused = try await restore(answer: .failure(RemoteFailure(.conflict, "job d1 is still running: restore it once it has ended")))
        #expect(refused.status == 409)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("restore it once it has ended"))
        #expect(try await restore(answer: .failure(RemoteFailure(.notFound, "No bulk job d1"))).status == 404)
    }
}
