#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import Wire

/// Killing the coordinator or the gateway loses no job: starting the cluster again resumes it.
@Suite(.serialized) struct ProcessRestartEndToEndTests {


    @Test func aJobRegisteredBeforeTheCoordinatorIsKilledFinishesExactlyAfterTheClusterStartsAgain() throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: 2_000)
        var seen = Set(cluster.currentPids().values)
        defer { cluster.stop(everSeen: seen) }
        let before = cluster.currentPids()
        // Shards paused: the job is registered (durably) but no slice has run when the coordinator dies.
        for name in ["shard-0", "shard-1"] { kill(before[name] ?? 0, SIGSTOP) }
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        kill(before["coordinator"] ?? 0, SIGKILL)
        for name in ["shard-0", "shard-1"] { kill(before[name] ?? 0, SIGCONT) }
        let shardsGone = eventually(timeout: .seconds(5)) { ["shard-0", "shard-1"].allSatisfy { kill(before[$0] ?? 0, 0) != 0 } }
        #expect(shardsGone, "shards outlived their coordinator")

        try cluster.start()
        seen.formUnion(cluster.currentPids().values)
        let job = try cluster.waitForJob(jobId, token: admin) { $0["status"] as? String == "completed" }
        #expect(job["deleted"] as? Int == 2_000)
        #expect(job["total"] as? Int == 2_000)
        let stats = try cluster.send("GET", "/api/contacts/stats", token: admin).json as? [String: Int]
        #expect(stats?["contacts"] == 0)
        #expect(stats?["auditEntries"] == 2_000)
    }

    @Test func aFinishedJobIsAnsweredByTheGatewayAloneWhileTheCoordinatorIsPaused() throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: 300)
        let seen = Set(cluster.currentPids().values)
        defer { cluster.stop(everSeen: seen) }
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        _ = try cluster.waitForJob(jobId, token: admin) { $0["status"] as? String == "completed" }
        let coordinator = try #require(cluster.currentPids()["coordinator"])
        kill(coordinator, SIGSTOP)
        defer { kill(coordinator, SIGCONT) }

        let poll = try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: admin)
        #expect(poll.status == 200, "\(poll)")
        #expect(poll.json["status"] as? String == "completed")
        #expect(poll.json["deleted"] as? Int == 300)
        // The copy remembers whose job it is: another org still gets a 404.
        let stranger = try cluster.token(org: "org-b", user: "u9")
        #expect(try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: stranger).status == 404)
    }

    @Test func killingTheGatewayLosesNoJobAndPollsWorkOnceItIsBack() throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: 500)
        var seen = Set(cluster.currentPids().values)
        defer { cluster.stop(everSeen: seen) }
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["s1"]}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        let gateway = try #require(cluster.currentPids()["gateway"])
        kill(gateway, SIGKILL)
        #expect(eventually(timeout: .seconds(5)) { kill(gateway, 0) != 0 })
        try cluster.start()
        seen.formUnion(cluster.currentPids().values)
        #expect(cluster.currentPids()["gateway"] != gateway)
        let job = try cluster.waitForJob(jobId, token: admin) { $0["status"] as? String == "completed" }
        #expect(job["deleted"] as? Int == DataEndToEndTests.dataSet(org: 1, count: 500).filter { $0.stage == "s1" }.count)
    }
}
