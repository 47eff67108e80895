#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import Wire

/// Killing the coordinator or the gateway loses no job: starting the cluster again resumes it.
@Suite(.serialized) struct ProcessRestartEndToEndTests {
    private func send(_ cluster: TestCluster, _ method: String, _ path: String, token: String, body: String = "") throws -> RawHTTPResponse {
        try RawHTTPClient.exchange(port: cluster.port, request: """
            \(method) \(path) HTTP/1.1\r\nAuthorization: Bearer \(token)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)
            """)
    }

    private func prepared(_ contacts: Int) throws -> (TestCluster, String) {
        let cluster = try TestCluster(shards: 2)
        try cluster.start()
        let admin = try cluster.script("token", ["--org", "org-a", "--user", "u1", "--role", "admin", "--data", cluster.data]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let body = DataEndToEndTests.dataSet(org: 1, count: contacts).map(\.line).joined(separator: "\n")
        #expect(try send(cluster, "POST", "/api/contacts/import", token: admin, body: body).status == 200)
        return (cluster, admin)
    }

    private func waitFor(_ status: String, _ cluster: TestCluster, _ jobId: String, token: String) throws -> [String: Any] {
        var job: [String: Any] = [:]
        let reached = try eventually(timeout: .seconds(30)) {
            job = (try? send(cluster, "GET", "/api/contacts/bulk-job/\(jobId)", token: token).json) ?? [:]
            return job["status"] as? String == status
        }
        #expect(reached, "\(job)\(cluster.logs())")
        return job
    }

    @Test func aJobRegisteredBeforeTheCoordinatorIsKilledFinishesExactlyAfterTheClusterStartsAgain() throws {
        let (cluster, admin) = try prepared(2_000)
        var seen = Set(cluster.currentPids().values)
        defer { cluster.stop(everSeen: seen) }
        let before = cluster.currentPids()
        // Shards paused: the job is registered (durably) but no slice has run when the coordinator dies.
        for name in ["shard-0", "shard-1"] { kill(before[name] ?? 0, SIGSTOP) }
        let started = try send(cluster, "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        kill(before["coordinator"] ?? 0, SIGKILL)
        for name in ["shard-0", "shard-1"] { kill(before[name] ?? 0, SIGCONT) }
        let shardsGone = eventually(timeout: .seconds(5)) { ["shard-0", "shard-1"].allSatisfy { kill(before[$0] ?? 0, 0) != 0 } }
        #expect(shardsGone, "shards outlived their coordinator")

        try cluster.start()
        seen.formUnion(cluster.currentPids().values)
        let job = try waitFor("completed", cluster, jobId, token: admin)
        #expect(job["deleted"] as? Int == 2_000)
        #expect(job["total"] as? Int == 2_000)
        let stats = try send(cluster, "GET", "/api/contacts/stats", token: admin).json as? [String: Int]
        #expect(stats?["contacts"] == 0)
        #expect(stats?["auditEntries"] == 2_000)
    }

    @Test func killingTheGatewayLosesNoJobAndPollsWorkOnceItIsBack() throws {
        let (cluster, admin) = try prepared(500)
        var seen = Set(cluster.currentPids().values)
        defer { cluster.stop(everSeen: seen) }
        let started = try send(cluster, "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["s1"]}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        let gateway = try #require(cluster.currentPids()["gateway"])
        kill(gateway, SIGKILL)
        #expect(eventually(timeout: .seconds(5)) { kill(gateway, 0) != 0 })
        try cluster.start()
        seen.formUnion(cluster.currentPids().values)
        #expect(cluster.currentPids()["gateway"] != gateway)
        let job = try waitFor("completed", cluster, jobId, token: admin)
        #expect(job["deleted"] as? Int == DataEndToEndTests.dataSet(org: 1, count: 500).filter { $0.stage == "s1" }.count)
    }
}
