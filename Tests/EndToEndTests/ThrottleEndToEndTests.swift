import Foundation
import TestSupport
import Testing
import Wire

/// `requestsPerSecond` paces a job across its shards, and `rethrottle` changes the pace of a
/// running job from every shard's next batch.
@Suite(.serialized) struct ThrottleEndToEndTests {
    @Test func aThrottledJobKeepsItsPaceUntilRethrottledThenFinishesAtOnce() throws {
        let (cluster, admin) = try TestCluster.seeded(shards: 2, contacts: 6_000)
        defer { cluster.stop() }
        let started = try cluster.send(
            "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"requestsPerSecond":200}"#)
        #expect(started.status == 202, "\(started)")
        let jobId = try #require(started.json["jobId"] as? String)
        let poll = { try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: admin).json }
        #expect(try poll()["requestsPerSecond"] as? Double == 200)

        // The pace itself is checked on a clock the test moves (`ThrottledDeleteTests`); here, that it
        // reached the shards. At 200 a second, 6,000 contacts take 30 s (unthrottled, well under
        // one), so its first progress finds the job running, a few batches in.
        let throttled = try cluster.waitForJob(jobId, token: admin) { ($0["processed"] as? Int ?? 0) > 0 }
        #expect(throttled["status"] as? String == "running", "\(throttled)")
        #expect((throttled["processed"] as? Int ?? .max) < 1_500, "the throttle did not hold: \(throttled)")

        let faster = try cluster.send("POST", "/api/contacts/bulk-job/\(jobId)/rethrottle?requestsPerSecond=-1", token: admin)
        #expect(faster.status == 200, "\(faster)")
        #expect(faster.json["requestsPerSecond"] as? Int == -1, "\(faster)")
        let rethrottledAt = ContinuousClock.now
        let done = try cluster.waitForJob(jobId, token: admin, timeout: .seconds(20))
        #expect(done["status"] as? String == "completed" && done["deleted"] as? Int == 6_000, "\(done)")
        #expect(ContinuousClock.now - rethrottledAt < .seconds(15), "the rethrottle did not reach the shards")

        // A finished job has nothing to throttle; bad values, other orgs' jobs and agents are refused.
        #expect(try cluster.send("POST", "/api/contacts/bulk-job/\(jobId)/rethrottle?requestsPerSecond=10", token: admin).status == 409)
        for bad in ["0", "-2", "abc", "1e999", ""] {
            let refused = try cluster.send("POST", "/api/contacts/bulk-job/\(jobId)/rethrottle?requestsPerSecond=\(bad)", token: admin)
            #expect(refused.status == 400 && refused.json["error"] as? String == "Invalid query", "\(bad): \(refused)")
        }
        let other = try cluster.token(org: "org-b", user: "u9")
        #expect(try cluster.send("POST", "/api/contacts/bulk-job/\(jobId)/rethrottle", token: other).status == 404)
        let agent = try cluster.token(org: "org-a", user: "u2", role: "agent")
        #expect(try cluster.send("POST", "/api/contacts/bulk-job/\(jobId)/rethrottle", token: agent).status == 403)
        let badBody = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"requestsPerSecond":0}"#)
        #expect(badBody.status == 400 && (badBody.json["message"] as? String)?.contains("requestsPerSecond") == true, "\(badBody)")
    }
}
