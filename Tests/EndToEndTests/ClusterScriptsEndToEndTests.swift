#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing

/// The scripts know their cluster: `start` records its port and prints what to export, and
/// `status`, `stop`, `token` and `seed` pointed at a directory where nothing runs say so, naming
/// the cluster that does, instead of acting on it silently or dying with a traceback.
@Suite(.serialized) struct ClusterScriptsEndToEndTests {
    @Test func scriptsPointedAtAnotherDirectorySaySoAndNameTheRunningCluster() throws {
        let cluster = try TestCluster(shards: 1)
        defer { cluster.stop() }
        let (started, startOutput) = try cluster.script(
            "cluster", ["start", "--shards", "1", "--port", "\(cluster.port)", "--data", cluster.data])
        try #require(started == 0, "\(startOutput)")
        let url = "http://127.0.0.1:\(cluster.port)"
        #expect(try String(contentsOfFile: "\(cluster.data)/port", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "\(cluster.port)")
        #expect(startOutput.contains("export TETHER_DATA=\(cluster.data) TETHER_URL=\(url)"), "\(startOutput)")

        // Another directory, as a user who forgot --data (or exported another TETHER_DATA) has.
        var template = Array("/tmp/tb-other-XXXXXX".utf8CString)
        let other = String(cString: try #require(mkdtemp(&template)))
        defer { try? FileManager.default.removeItem(atPath: other) }
        let elsewhere = ["TETHER_DATA": other]
        let runningThere = "\(cluster.data) (\(url))"

        let status = try cluster.script("cluster", ["status"], environment: elsewhere)
        #expect(status.status == 3, "\(status.output)")
        #expect(status.output.contains("no cluster runs in \(other)") && status.output.contains(runningThere), "\(status.output)")

        let stop = try cluster.script("cluster", ["stop"], environment: elsewhere)
        #expect(stop.status == 0, "\(stop.output)")
        #expect(stop.output.contains("no cluster runs in \(other): nothing to stop") && stop.output.contains(runningThere), "\(stop.output)")
        #expect(try cluster.get("/healthz").status == 200, "stop without --data stopped the running cluster")

        let token = try cluster.script("token", ["--org", "o", "--user", "u"], environment: elsewhere)
        #expect(token.status == 1, "\(token.output)")
        #expect(token.output.contains("no secret in \(other)") && token.output.contains(runningThere), "\(token.output)")

        let seed = try cluster.script("seed", ["--org", "o", "--contacts", "1", "--quiet"], environment: elsewhere)
        #expect(seed.status != 0, "\(seed.output)")
        #expect(!seed.output.contains("Traceback"), "\(seed.output)")
        #expect(seed.output.contains("no cluster was started in \(other)"), "\(seed.output)")

        // Without --url, seed finds the cluster in TETHER_DATA by the port its start recorded.
        let seeded = try cluster.script("seed", ["--org", "o", "--contacts", "3", "--quiet"])
        #expect(seeded.status == 0, "\(seeded.output)")
        #expect(seeded.output.contains(#""contacts": 3"#), "\(seeded.output)")
    }

    /// `scripts/cluster status` lists the running jobs of every org with their progress, from the
    /// coordinator itself, and stops listing a job once it ended.
    @Test func statusListsTheRunningJobsWithTheirProgress() throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: 40)
        defer { cluster.stop() }
        let idle = try cluster.script("cluster", ["status"])
        #expect(idle.status == 0 && idle.output.contains("jobs:\n  no job is running"), "\(idle.output)")
        let started = try cluster.send(
            "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"requestsPerSecond":5}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        let listed = try eventually {
            try cluster.script("cluster", ["status"]).output.contains("job \(jobId) of org-a: running, ")
        }
        let shown = try cluster.script("cluster", ["status"]).output
        #expect(listed, "\(shown)")
        #expect(try cluster.send("DELETE", "/api/contacts/bulk-job/\(jobId)", token: admin).status == 202)
        _ = try cluster.waitForJob(jobId, token: admin)
        let after = try cluster.script("cluster", ["status"])
        #expect(after.output.contains("no job is running"), "\(after.output)")
    }

    @Test func aSecondStartOnAnotherPortAnswersAtOnce() throws {
        let cluster = try TestCluster(shards: 1)
        defer { cluster.stop() }
        try cluster.start()
        let asked = cluster.port == 65_535 ? cluster.port - 1 : cluster.port + 1
        let began = ContinuousClock.now
        let again = try cluster.script("cluster", ["start", "--shards", "1", "--port", "\(asked)", "--data", cluster.data])
        #expect(ContinuousClock.now - began < .seconds(10), "it waited for a gateway that was never going to answer there")
        #expect(again.status == 2, "\(again.output)")
        #expect(again.output.contains("already runs on port \(cluster.port), not \(asked)"), "\(again.output)")
        // The same port again: what runs is kept, and start answers as before.
        let same = try cluster.script("cluster", ["start", "--shards", "1", "--data", cluster.data])
        #expect(same.status == 0, "\(same.output)")
        #expect(same.output.contains("tether-bulk is up: http://127.0.0.1:\(cluster.port)"), "\(same.output)")
    }
}
