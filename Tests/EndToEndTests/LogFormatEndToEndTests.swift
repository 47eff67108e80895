import Foundation
import TestSupport
import Testing

/// `TETHER_LOG_FORMAT=json` through `scripts/cluster`: every line every process writes is one
/// JSON object, in a log file of its own, and a job's life is in the coordinator's log under its id.
@Suite(.serialized) struct LogFormatEndToEndTests {
    @Test func everyProcessWritesJSONLinesAndTheCoordinatorLogsAJobsLife() throws {
        let cluster = try TestCluster(shards: 2, environment: ["TETHER_LOG_FORMAT": "json"])
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let seeded = DataEndToEndTests.dataSet(org: 1, count: 40)
        let conversations = seeded.reduce(0) { $0 + $1.conversations }
        let body = seeded.map(\.line).joined(separator: "\n")
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: body).status == 200)
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        #expect(try cluster.waitForJob(jobId, token: admin)["status"] as? String == "completed")

        let linesOfTheJob = try eventually {
            try logEntries(in: cluster).filter { $0["job"] as? String == jobId }.count >= 5
        }
        let entries = try logEntries(in: cluster)
        #expect(Set(entries.compactMap { $0["process"] as? String }).isSuperset(of: ["gateway", "coordinator", "shard-0", "shard-1"]))
        for entry in entries {
            #expect(entry["time"] is String && entry["level"] is String && entry["pid"] is Int && entry["message"] is String, "\(entry)")
        }
        let life = entries.filter { $0["job"] as? String == jobId }.compactMap { $0["message"] as? String }
        #expect(linesOfTheJob, "the job's life is not in the log: \(life)")
        #expect(life.first?.hasPrefix("job \(jobId) of org org-a created by u1: filter {") == true, "\(life)")
        #expect(life.contains { $0 == "job \(jobId) of org org-a started on 2 shards" }, "\(life)")
        #expect(life.filter { $0.hasPrefix("job \(jobId) of org org-a: shard ") }.count == 2, "\(life)")
        #expect(life.last?.hasPrefix("job \(jobId) of org org-a completed in ") == true, "\(life)")
        #expect(life.last?.contains(": 40 of 40 processed: 40 deleted, 0 skipped, 0 failed; cascade: \(conversations) conversations, \(conversations * 2) messages, 0 applications, 40 audit entries") == true, "\(life)")
    }

    /// Every line of every log file, each required to be one JSON object from the process the
    /// file is named after: each process, every shard included, writes a log of its own.
    private func logEntries(in cluster: TestCluster) throws -> [[String: Any]] {
        let directory = "\(cluster.data)/logs"
        return try FileManager.default.contentsOfDirectory(atPath: directory).flatMap { name in
            try String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8).split(separator: "\n").map { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    Issue.record("\(name): not a JSON object: \(line)")
                    return [:]
                }
                #expect("\(object["process"] ?? "?").log" == name, "\(name) holds another process's line: \(line)")
                return object
            }
        }
    }
}
