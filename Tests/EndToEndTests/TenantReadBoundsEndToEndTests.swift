import Foundation
import TestSupport
import Testing
import Wire

/// What one tenant's reads may cost everyone, on a real cluster: event streams are capped per
/// token, a Last-Event-ID must be one of ours, and reads are paced per org.
@Suite(.serialized) struct TenantReadBoundsEndToEndTests {
    /// A stream of `token`, once its answer's head has arrived.
    private func openStream(_ cluster: TestCluster, token: String, lastEventId: String? = nil) throws -> RawSSEClient {
        let stream = try RawSSEClient(port: cluster.port, token: token, lastEventId: lastEventId)
        _ = stream.collect(timeout: .seconds(10)) { _ in stream.status != 0 }
        return stream
    }

    @Test func eventStreamsPastATokensCapAre429UntilOneEndsAndABadLastEventIdIs400() throws {
        let cluster = try TestCluster(shards: 1)
        defer { cluster.stop() }
        try cluster.start()
        let agent = try cluster.token(org: "org-a", user: "u1", role: "agent")
        // The gateway's cap per token (EventStreamCounts.standardPerToken).
        var streams = try (0..<10).map { _ in try openStream(cluster, token: agent) }
        #expect(streams.map(\.status) == Array(repeating: 200, count: 10), "\(cluster.logs())")

        let refused = try cluster.send("GET", "/api/events", token: agent)
        #expect(refused.status == 429, "\(refused)")
        #expect(refused.headers["retry-after"] == "5", "\(refused.headers)")
        #expect((refused.json["message"] as? String)?.contains("This token already holds 10 open event streams") == true, "\(refused)")
        // Another user's token of the org has its own count.
        #expect(try openStream(cluster, token: try cluster.token(org: "org-a", user: "u2", role: "agent")).status == 200)

        // A client that goes frees its place: the gateway sees the close and counts one less.
        streams.removeLast()
        var again: RawSSEClient?
        #expect(try eventually {
            again = try openStream(cluster, token: agent)
            return again?.status == 200
        }, "\(cluster.logs())")

        let admin = try cluster.token(org: "org-b", user: "u1")
        for bad in ["x", "0", "-3", "12abc", "99999999999999999999"] {
            let answer = try cluster.send("GET", "/api/events", token: admin, headers: "Last-Event-ID: \(bad)\r\n")
            #expect(answer.status == 400 && answer.json["error"] as? String == "Invalid header", "\(bad): \(answer)")
            #expect((answer.json["message"] as? String)?.contains("Last-Event-ID must be the id of an event this server sent you") == true)
        }
        // The token is checked first: a bad id with a bad token is a 401.
        #expect(try cluster.send("GET", "/api/events", token: "nope", headers: "Last-Event-ID: x\r\n").status == 401)
        // An id of ours is a replay, as before.
        #expect(try openStream(cluster, token: admin, lastEventId: "1").status == 200)
    }

    @Test func readsPastAnOrgsRateAre429WithRetryAfterWhileJobListsAndOtherOrgsAreNot() throws {
        let cluster = try TestCluster(shards: 1, environment: ["TETHER_READS_PER_SECOND": "1"])
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let reads: [(method: String, path: String, body: String)] = [
            ("GET", "/api/contacts/stats", ""), ("POST", "/api/contacts/query-count", #"{"orgWide":true}"#),
            ("POST", "/api/contacts/query", #"{"orgWide":true}"#), ("GET", "/api/event-logs", ""), ("GET", "/api/notifications", ""),
            ("GET", "/api/contacts/c1", ""),
        ]
        // One a second with a burst of two: the first two of these six quick reads go through, and
        // at least one after them is refused (however slowly the machine sends them, it is under 6 s).
        let answers = try reads.map { try cluster.send($0.method, $0.path, token: admin, body: $0.body) }
        #expect(answers.prefix(2).map(\.status) == [200, 200], "\(answers)")
        let refused = try #require(answers.first { $0.status == 429 }, "\(answers)")
        #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1, "\(refused.headers)")
        #expect((refused.json["message"] as? String)?.contains("Your organization reads faster than 1 requests a second") == true, "\(refused)")
        #expect(answers.allSatisfy { [200, 404, 429].contains($0.status) }, "\(answers)")
        // The job list is not a limited read; another org has its own rate.
        for _ in 0..<5 { #expect(try cluster.send("GET", "/api/contacts/bulk-jobs", token: admin).status == 200) }
        #expect(try cluster.send("GET", "/api/contacts/stats", token: try cluster.token(org: "org-b", user: "u1")).status == 200)
        // And the org reads again once its rate allows.
        #expect(try eventually { try cluster.send("GET", "/api/contacts/stats", token: admin).status == 200 })
    }
}
