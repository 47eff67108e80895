import Foundation
import TestSupport
import Testing
import Wire

/// Two tenants' jobs on one shard take turns: a small delete is not queued behind a large one.
@Suite(.serialized) struct FairShareEndToEndTests {
    @Test func aSmallTenantsDeleteFinishesWhileALargeOnesIsStillRunning() throws {
        let (cluster, large) = try TestCluster.seeded(shards: 1, contacts: 30_000)
        defer { cluster.stop() }
        let small = try cluster.token(org: "org-b", user: "u1")
        let smallTenant = DataEndToEndTests.dataSet(org: 2, count: 300).map(\.line).joined(separator: "\n")
        #expect(try cluster.send("POST", "/api/contacts/import", token: small, body: smallTenant).status == 200)

        let largeJob = try #require(
            try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: large, body: #"{"orgWide":true}"#).json["jobId"] as? String)
        let smallJob = try #require(
            try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: small, body: #"{"orgWide":true}"#).json["jobId"] as? String)
        let smallDone = try cluster.waitForJob(smallJob, token: small)
        let largeThen = try cluster.send("GET", "/api/contacts/bulk-job/\(largeJob)", token: large).json
        #expect(smallDone["status"] as? String == "completed" && smallDone["deleted"] as? Int == 300, "\(smallDone)")
        // The large job still had most of its batches to go: the small one did not wait for them.
        #expect(largeThen["status"] as? String == "running", "the large job finished first: \(largeThen)")
        #expect((largeThen["processed"] as? Int ?? .max) < 30_000, "\(largeThen)")
        let largeDone = try cluster.waitForJob(largeJob, token: large)
        #expect(largeDone["deleted"] as? Int == 30_000, "\(largeDone)")
    }
}
