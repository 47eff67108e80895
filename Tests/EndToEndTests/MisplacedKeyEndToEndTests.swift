import Foundation
import TestSupport
import Testing
import Wire

/// Over real HTTP: a key in the wrong place is refused, never ignored into a wider delete
/// or a delete meant as a preview; the keys a delete did ignore are listed with its job, across a
/// restart, on both engines.
@Suite(.serialized) struct MisplacedKeyEndToEndTests {
    @Test(arguments: ClusterStorage.allCases)
    func aMisplacedKeyDeletesNothingAndAnIgnoredOneIsListedWithTheJob(storage: ClusterStorage) throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: 300, storage: storage)
        defer { cluster.stop() }
        let contacts = DataEndToEndTests.dataSet(org: 1, count: 300)

        let refusals = [
            (#""tags":["vip"]"#, "did you mean advancedParams.tags?"),
            (#""preview":true"#, "did you mean dryRun?"),
            (#""filters":{"tags":["vip"]}"#, "did you mean advancedParams?"),
            (#""owner":"mine""#, "did you mean ownerFilter?"),
        ]
        for (key, says) in refusals {
            for (method, path, extra) in [
                ("DELETE", "query-bulk-delete", ""), ("DELETE", "query-bulk-delete", #","dryRun":true"#),
                ("POST", "query-count", ""), ("POST", "query", ""),
            ] {
                let refused = try cluster.send(method, "/api/contacts/\(path)", token: admin, body: #"{"stageIds":["s0"],\#(key)\#(extra)}"#)
                #expect(refused.status == 400, "\(path) \(key): \(refused)")
                #expect(refused.json["error"] as? String == "Invalid filter", "\(refused)")
                #expect((refused.json["message"] as? String)?.contains(says) == true, "\(path) \(key): \(refused)")
            }
        }
        // Bounds of a job: a throttle under 1 record per second, an Idempotency-Key too long, on a preview too.
        let crawl = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["s0"],"requestsPerSecond":5e-324}"#)
        #expect(crawl.status == 400 && (crawl.json["message"] as? String)?.contains("from 1 to") == true, "\(crawl)")
        let longKey = "Idempotency-Key: \(String(repeating: "k", count: 201))\r\n"
        let preview = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["s0"],"dryRun":true}"#, headers: longKey)
        #expect(preview.status == 400 && preview.json["error"] as? String == "Invalid header", "\(preview)")
        // Nothing was deleted, and no job was made.
        #expect((try cluster.send("GET", "/api/contacts/stats", token: admin).json as? [String: Int])?["contacts"] == 300)
        #expect((try cluster.send("GET", "/api/contacts/bulk-jobs", token: admin).json["jobs"] as? [Any])?.count == 0)

        let body = #"{"stageIds":["s0"],"note":"spring clean","advancedParams":{"tags":["vip"]},"client":{"v":2}}"#
        let counted = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: "{\"dryRun\":true," + body.dropFirst())
        #expect(counted.json["ignoredKeys"] as? [String] == ["client", "note"], "\(counted)")
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: body)
        #expect(started.status == 202, "\(started)")
        #expect(started.json["ignoredKeys"] as? [String] == ["client", "note"], "\(started)")
        let jobId = try #require(started.json["jobId"] as? String)
        let job = try cluster.waitForJob(jobId, token: admin)
        let victims = contacts.filter { $0.stage == "s0" && $0.tags.contains("vip") }
        #expect(job["deleted"] as? Int == victims.count && victims.count < 100, "\(job)")
        #expect(job["ignoredKeys"] as? [String] == ["client", "note"], "\(job)")
        let slower = try cluster.send("POST", "/api/contacts/bulk-job/\(jobId)/rethrottle?requestsPerSecond=0.5", token: admin)
        #expect(slower.status == 400 && (slower.json["message"] as? String)?.contains("from 1 to") == true, "\(slower)")
        let listed = try cluster.send("GET", "/api/contacts/bulk-jobs", token: admin).json["jobs"] as? [[String: Any]]
        #expect(listed?.first?["ignoredKeys"] as? [String] == ["client", "note"])

        // The registry keeps them: the same after the whole cluster restarts.
        #expect(try cluster.script("cluster", ["stop", "--data", cluster.data]).status == 0)
        try cluster.start()
        let again = try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: admin)
        #expect(again.json["ignoredKeys"] as? [String] == ["client", "note"], "\(again)")
    }
}
