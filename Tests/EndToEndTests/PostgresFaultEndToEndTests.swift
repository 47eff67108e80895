#if canImport(Glibc)
import Glibc
#endif
import Foundation
import PostgresDriver
import TestSupport
import Testing
import WireRuntime

/// A cluster on PostgreSQL whose database server crashes mid-job: the slices pause,
/// `/healthz` says degraded while the server is away, and the job resumes exactly
/// once it is back (however long that takes, past the 3.1 s a storage fault is
/// otherwise retried for). The crash is PostgreSQL's own immediate shutdown, so
/// the next start runs crash recovery, and the commit in flight may or may not
/// have landed: the counters must agree with what the database holds either way.
@Suite(.serialized) struct PostgresFaultEndToEndTests {
    /// Imports `count` contacts of org-a into `cluster` and starts an org-wide delete of them,
    /// at `pace` records a second when given: an admin's token and the job's id.
    private func importAndDelete(_ cluster: TestCluster, count: Int, pace: Int? = nil) throws -> (admin: String, jobId: String) {
        let admin = try cluster.token(org: "org-a", user: "u1")
        let contacts = DataEndToEndTests.dataSet(org: 1, count: count)
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: contacts.map(\.line).joined(separator: "\n")).status == 200)
        let filter = pace.map { #"{"orgWide":true,"requestsPerSecond":\#($0)}"# } ?? #"{"orgWide":true}"#
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: filter)
        return (admin, try #require(started.json["jobId"] as? String, "\(started)"))
    }

    @Test func aJobPausesWhileItsDatabaseServerIsDownAndFinishesExactlyWhenItIsBack() throws {
        let cluster = try TestCluster(shards: 2, storage: .postgres)
        defer { cluster.stop() }
        try cluster.start()
        // Paced, so that it is still running when the server goes.
        let (admin, jobId) = try importAndDelete(cluster, count: 6_000, pace: 1_500)
        _ = try cluster.waitForJob(jobId, token: admin) { ($0["processed"] as? Int ?? 0) > 500 }

        let pg = repositoryRoot.appendingPathComponent("scripts/pg").path
        let server = "\(cluster.data)/pg"
        #expect(try runCommand(pg, ["stop", server, "--immediate"]).status == 0)
        let degraded = try eventually(timeout: .seconds(10)) {
            let health = try cluster.get("/healthz")
            return health.status == 503 && health.json["status"] as? String == "degraded"
        }
        #expect(degraded, "healthz never said degraded while the database server was down")
        let paused = try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: admin).json
        #expect(paused["status"] as? String == "running", "\(paused)")
        // Longer than the retries of any other storage fault (0.1 s doubling to 1.6 s, 3.1 s in all:
        // `SliceRunner.retryDelays`), which this one must outlast: a shard waited 1.6 s a second time.
        let outlasted = eventually(timeout: .seconds(20)) {
            (0..<2).contains { shard in
                let log = (try? String(contentsOfFile: "\(cluster.data)/logs/shard-\(shard).log", encoding: .utf8)) ?? ""
                return log.components(separatedBy: "; retrying in 1.6 seconds").count > 2
            }
        }
        #expect(outlasted, "no shard retried past the other faults' retries\(cluster.logs())")
        #expect(try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: admin).json["status"] as? String == "running")
        #expect(try runCommand(pg, ["start", server]).status == 0)

        // Unpaced now, to finish within the test's patience.
        _ = try cluster.send("POST", "/api/contacts/bulk-job/\(jobId)/rethrottle?requestsPerSecond=-1", token: admin)
        let job = try cluster.waitForJob(jobId, token: admin, timeout: .seconds(60))
        #expect(job["status"] as? String == "completed", "\(job)\(cluster.logs())")
        #expect(job["total"] as? Int == 6_000)
        #expect(job["deleted"] as? Int == 6_000)
        #expect(job["failed"] as? Int == 0)
        let cascade = job["cascade"] as? [String: Int]
        let answer = try cluster.send("GET", "/api/contacts/stats", token: admin)
        let stats = answer.json as? [String: Int]
        #expect(stats?["contacts"] == 0, "\(answer)")
        #expect(stats?["messages"] == 0)
        #expect(stats?["auditEntries"] == 6_000, "one audit entry per contact, exactly")
        #expect(cascade?["auditEntries"] == 6_000)
        #expect(cascade?["notifications"] == stats?["notifications"])
        #expect(try eventually(timeout: .seconds(10)) { try cluster.get("/healthz").status == 200 })
    }

    /// On PostgreSQL the processes keep nothing of their own but the cluster's id
    /// (`DIR/cluster.id`): a cluster started in another data directory (another host, as far as
    /// it can tell) on the same server, given that id, picks up the running job where the first
    /// left it, and finishes it exactly. Without the id it is refused (the databases hold another
    /// cluster's tenants), and with it, while the first runs, its coordinator is refused (one per registry).
    @Test func aClusterStartedElsewhereOnTheSameServerWithItsIdPicksUpEveryJob() throws {
        let server = try TestPostgres.serverConnectionString()
        let environment = ["TETHER_JWT_SECRET": "a-secret-both-clusters-share-0123456789", "TETHER_PG_URL": server]
        let first = try TestCluster(shards: 2, storage: .postgres, environment: environment)
        defer { first.stop() }
        try first.start()
        let (admin, jobId) = try importAndDelete(first, count: 3_000, pace: 1_000)
        _ = try first.waitForJob(jobId, token: admin) { ($0["processed"] as? Int ?? 0) > 200 }
        for file in ["coordinator.db", "events.db", "partition.map"] {
            #expect(!FileManager.default.fileExists(atPath: "\(first.data)/\(file)"), "\(file) in the data directory: state outside PostgreSQL")
        }
        let clusterId = try String(contentsOfFile: first.layout.clusterIdFile, encoding: .utf8)

        let twin = try TestCluster(shards: 2, storage: .postgres, environment: environment)
        defer { twin.stop() }
        try clusterId.write(toFile: twin.layout.clusterIdFile, atomically: false, encoding: .utf8)
        let twinRefused = #expect(throws: TestCluster.ClusterError.self) { try twin.start() }
        #expect(twinRefused.map(String.init(describing:))?.contains("is in use by another coordinator (coordinator pid") == true, "\(String(describing: twinRefused))")
        first.stop()

        let stranger = try TestCluster(shards: 2, storage: .postgres, environment: environment)
        defer { stranger.stop() }
        let strangerRefused = #expect(throws: TestCluster.ClusterError.self) { try stranger.start() }
        let strangerMessage = strangerRefused.map(String.init(describing:)) ?? ""
        #expect(strangerMessage.contains("belongs to cluster \(clusterId.dropLast())") && strangerMessage.contains("--pg URL"), "\(strangerMessage)")

        let second = try TestCluster(shards: 2, storage: .postgres, environment: environment)
        defer { second.stop() }
        try clusterId.write(toFile: second.layout.clusterIdFile, atomically: false, encoding: .utf8)
        try second.start()
        let token = try second.token(org: "org-a", user: "u1")
        #expect(try second.send("GET", "/api/contacts/bulk-job/\(jobId)", token: token).status == 200)
        _ = try second.send("POST", "/api/contacts/bulk-job/\(jobId)/rethrottle?requestsPerSecond=-1", token: token)
        let job = try second.waitForJob(jobId, token: token, timeout: .seconds(60))
        #expect(job["status"] as? String == "completed", "\(job)\(second.logs())")
        #expect(job["deleted"] as? Int == 3_000)
        let stats = try second.send("GET", "/api/contacts/stats", token: token).json as? [String: Int]
        #expect(stats?["contacts"] == 0)
        #expect(stats?["auditEntries"] == 3_000)
        // The job's events are in the log the second cluster serves.
        let events = try second.send("GET", "/api/contacts/bulk-jobs?limit=10", token: token).json["jobs"] as? [[String: Any]]
        #expect(events?.map { $0["jobId"] as? String } == [jobId])
    }

    /// With a map of servers, each shard's partition is on the server the map names for it:
    /// here the registry and shard 0 on one server, shard 1 on another, both private to the test.
    @Test func eachShardKeepsItsPartitionOnTheServerTheMapNames() throws {
        let pg = repositoryRoot.appendingPathComponent("scripts/pg").path
        var template = Array("/tmp/tb-pgmap-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemCallError(call: "mkdtemp", errno: errno) }
        let directory = String(cString: made)
        defer {
            for server in ["a", "b"] { _ = try? runCommand(pg, ["remove", "\(directory)/\(server)"]) }
            _ = try? runCommand("/bin/rm", ["-rf", directory])
        }
        var servers: [String] = []
        for (server, port) in [("a", "5441"), ("b", "5442")] {
            let started = try runCommand(pg, ["start", "\(directory)/\(server)", "--port", port])
            try #require(started.status == 0, "\(started.output)")
            servers.append(started.output.split(separator: "\n").last.map(String.init) ?? "")
        }
        let map = "\(directory)/servers.map"
        try "# the registry and shard 0 on a, shard 1 on b\nregistry \(servers[0])\nshard 1 \(servers[1])\n".write(toFile: map, atomically: true, encoding: .utf8)

        let cluster = try TestCluster(shards: 2, storage: .postgres, environment: ["TETHER_PG_MAP": map])
        defer { cluster.stop() }
        try cluster.start()
        let (admin, jobId) = try importAndDelete(cluster, count: 1_000)
        let job = try cluster.waitForJob(jobId, token: admin)
        #expect(job["status"] as? String == "completed" && job["deleted"] as? Int == 1_000, "\(job)")

        func scalar(_ server: String, _ database: String, _ sql: String) throws -> Int64 {
            try PostgresConnection(server.replacingOccurrences(of: "dbname=postgres", with: "dbname=\(database)")).scalar(sql)
        }
        let onA = try scalar(servers[0], "tether_shard_0", "SELECT count(*) FROM audit_entries")
        let onB = try scalar(servers[1], "tether_shard_1", "SELECT count(*) FROM audit_entries")
        #expect(onA > 0 && onB > 0 && onA + onB == 1_000, "audit entries: \(onA) on a, \(onB) on b")
        #expect(try scalar(servers[0], "postgres", "SELECT count(*) FROM pg_database WHERE datname = 'tether_shard_1'") == 0)
        #expect(try scalar(servers[1], "postgres", "SELECT count(*) FROM pg_database WHERE datname IN ('tether_shard_0', 'tether_registry')") == 0)
        #expect(try scalar(servers[0], "tether_registry", "SELECT count(*) FROM jobs") == 1)
    }
}
