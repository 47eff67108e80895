import Foundation
import TestSupport
import Testing
import Wire

/// What one tenant can send, and what that leaves for all: bodies are strict,
/// job creation is paced, and every list answers a page that fits a frame.
@Suite(.serialized) struct BoundedRequestsEndToEndTests {
    /// Bodies lenient parsers take are refused, saying what is wrong; the job list stays JSON.
    @Test func bodiesThatAreNotStrictJSONAreRefusedAndTheJobListStaysValid() throws {
        let (cluster, admin) = try TestCluster.seeded(shards: 2, contacts: 30)
        defer { cluster.stop() }
        let bodies: [(body: String, says: String)] = [
            (#"{"stageIds":["none"],}"#, "unexpected '}' at byte 21"),
            ("\u{FEFF}{\"stageIds\":[\"none\"]}", "byte order mark"),
            (#"{"stageIds":["s1"],"stageIds":["none"]}"#, "appears twice"),
            (#"{"stageIds":["none"]} {"orgWide":true}"#, "unexpected '{'"),
        ]
        for (body, says) in bodies {
            let refused = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: body)
            #expect(refused.status == 400, "\(body): \(refused)")
            #expect(refused.json["error"] as? String == "Invalid request body")
            #expect((refused.json["message"] as? String)?.contains(says) == true, "\(refused)")
        }
        let header = try cluster.send(
            "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["none"]}"#,
            headers: "Idempotency-Key: \(String(repeating: "k", count: 201))\r\n")
        #expect(header.status == 400 && header.json["error"] as? String == "Invalid header", "\(header)")
        // A preview asked for in the query string, where the endpoint takes none, deletes nothing.
        let queried = try cluster.send("DELETE", "/api/contacts/query-bulk-delete?dryRun=true", token: admin, body: #"{"orgWide":true}"#)
        #expect(queried.status == 400 && queried.json["error"] as? String == "Invalid query", "\(queried)")
        #expect((queried.json["message"] as? String)?.contains("dryRun is not a query parameter of this endpoint") == true, "\(queried)")
        #expect(try cluster.send("GET", "/api/contacts/stats", token: admin).json["contacts"] as? Int == 30)
        let list = try cluster.send("GET", "/api/contacts/bulk-jobs", token: admin)
        #expect(list.status == 200 && (list.json["jobs"] as? [Any])?.isEmpty == true, "\(list)")
    }

    /// An org that creates jobs faster than its rate is told exactly when to retry, and its
    /// jobs list a page at a time, by status, each job once.
    @Test func jobCreationIsPacedAndTheJobListPagesByCursorAndStatus() throws {
        let (cluster, admin) = try TestCluster.seeded(shards: 2, contacts: 30)
        defer { cluster.stop() }
        var created: [String] = []
        var refusal: RawHTTPResponse?
        while refusal == nil && created.count < 30 {
            let answer = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["none"]}"#)
            switch answer.status {
            case 202: created.append(try #require(answer.json["jobId"] as? String))
            case 429 where (answer.json["message"] as? String)?.contains("already runs") == true:
                // The running-jobs cap, not the rate: these jobs match nothing and end within moments.
                #expect(answer.headers["retry-after"] == "\(5)")
                usleep(50_000)
            default: refusal = answer
            }
        }
        let refused = try #require(refusal, "30 jobs were created without a 429")
        #expect(refused.status == 429, "\(refused)")
        #expect(created.count >= 10, "the burst is 10 jobs")
        // The bucket gives one job back every 2 s: the wait is at most that, rounded up.
        let retryAfter = try #require(refused.headers["retry-after"].flatMap { Int($0) })
        #expect((1...2).contains(retryAfter), "\(refused.headers)")
        for jobId in created { _ = try cluster.waitForJob(jobId, token: admin) }

        var listed: [String] = []
        var cursor: String?
        repeat {
            let page = try cluster.send("GET", "/api/contacts/bulk-jobs?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), token: admin)
            #expect(page.status == 200, "\(page)")
            let jobs = page.json["jobs"] as? [[String: Any]] ?? []
            #expect(jobs.count <= 3)
            listed += jobs.compactMap { $0["jobId"] as? String }
            cursor = page.json["nextCursor"] as? String
        } while cursor != nil && listed.count <= created.count
        #expect(listed == created.reversed(), "every job once, newest first")

        let completed = try cluster.send("GET", "/api/contacts/bulk-jobs?limit=100&status=completed", token: admin)
        #expect((completed.json["jobs"] as? [[String: Any]])?.count == created.count)
        let cancelled = try cluster.send("GET", "/api/contacts/bulk-jobs?status=cancelled", token: admin)
        #expect((cancelled.json["jobs"] as? [Any])?.isEmpty == true && cancelled.json["nextCursor"] is NSNull, "\(cancelled)")
        for (query, says) in [("status=done", "status must be one of queued, running"), ("limt=3", "did you mean limit?"), ("cursor=xyz", "cursor")] {
            let bad = try cluster.send("GET", "/api/contacts/bulk-jobs?\(query)", token: admin)
            #expect(bad.status == 400 && bad.json["error"] as? String == "Invalid query", "\(query): \(bad)")
            #expect((bad.json["message"] as? String)?.contains(says) == true, "\(bad)")
        }
    }

    /// Audit entries keep a snapshot of what they deleted: 24 contacts with 800 kB names make
    /// 19 MB of entries, more than a frame holds. Every page answers, cut to fit, and together
    /// they list each entry once.
    @Test func aLogPageOfLargeEntriesIsCutToFitAFrame() throws {
        let cluster = try TestCluster(shards: 2)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let name = String(repeating: "n", count: 800_000)
        let lines = (0..<24).map { index in
            #"{"_id":"\#(String(format: "%024x", index + 1))","stageId":"s1","name":"\#(name)","email":"e\#(index)@example.com"}"#
        }
        let imported = try cluster.send("POST", "/api/contacts/import", token: admin, body: lines.joined(separator: "\n"))
        #expect(imported.status == 200, "\(imported.status)")
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["s1"]}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        #expect(try cluster.waitForJob(jobId, token: admin)["deleted"] as? Int == 24)

        var ids: [String] = []
        var pages = 0
        var cursor: String?
        repeat {
            let page = try cluster.send("GET", "/api/event-logs?limit=50" + (cursor.map { "&cursor=\($0)" } ?? ""), token: admin)
            #expect(page.status == 200, "\(page.status) \(page.body.prefix(300))")
            #expect(page.body.utf8.count <= Frame.defaultSizeLimit)
            ids += (page.json["entries"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            cursor = page.json["nextCursor"] as? String
            pages += 1
        } while cursor != nil && pages < 30
        #expect(ids.count == 24 && Set(ids).count == 24, "\(ids)")
        #expect(pages >= 5, "a 4 MiB budget makes pages of at most five such entries")
    }
}
