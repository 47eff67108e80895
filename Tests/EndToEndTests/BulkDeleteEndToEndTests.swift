#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import Wire

/// The seed's endpoint over real HTTP on a real 4-shard cluster: every count
/// checked against what the test computes from its own data.
@Suite(.serialized) struct BulkDeleteEndToEndTests {
    private func request(_ cluster: TestCluster, _ method: String, _ path: String, token: String, body: String = "") throws -> RawHTTPResponse {
        try RawHTTPClient.exchange(port: cluster.port, request: """
            \(method) \(path) HTTP/1.1\r\nAuthorization: Bearer \(token)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)
            """)
    }

    private func token(_ cluster: TestCluster, org: String, role: String = "admin") throws -> String {
        try cluster.script("token", ["--org", org, "--user", "admin-\(org)", "--role", role, "--data", cluster.data]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the job from the first instant (it must never be 404) until it finishes.
    private func waitForJob(_ cluster: TestCluster, _ jobId: String, token: String) throws -> [String: Any] {
        var last: [String: Any] = [:]
        var lastProcessed = 0
        let finished = try eventually(timeout: .seconds(30)) {
            let poll = try request(cluster, "GET", "/api/contacts/bulk-job/\(jobId)", token: token)
            #expect(poll.status == 200, "poll answered \(poll)")
            last = poll.json
            let processed = last["processed"] as? Int ?? 0
            #expect(processed >= lastProcessed, "processed went down")
            lastProcessed = processed
            return ["completed", "completed_with_errors", "failed", "cancelled"].contains(last["status"] as? String ?? "")
        }
        #expect(finished, "job never finished: \(last)")
        return last
    }

    @Test func deletesAnOrgsStagesExactlyAndLeavesEverythingElse() throws {
        let cluster = try TestCluster(shards: 4)
        defer { cluster.stop() }
        try cluster.start()
        let adminA = try token(cluster, org: "org-a")
        let adminB = try token(cluster, org: "org-b")
        let orgA = DataEndToEndTests.dataSet(org: 1, count: 400)
        let orgB = DataEndToEndTests.dataSet(org: 2, count: 150)
        #expect(try request(cluster, "POST", "/api/contacts/import", token: adminA, body: orgA.map(\.line).joined(separator: "\n")).status == 200)
        #expect(try request(cluster, "POST", "/api/contacts/import", token: adminB, body: orgB.map(\.line).joined(separator: "\n")).status == 200)
        let statsB = try request(cluster, "GET", "/api/contacts/stats", token: adminB).body

        let victims = orgA.filter { ["s0", "s2"].contains($0.stage) }
        let started = try request(cluster, "DELETE", "/api/contacts/query-bulk-delete", token: adminA, body: #"{"stageIds":["s0","s2"]}"#)
        #expect(started.status == 202, "\(started)")
        #expect(started.json["message"] as? String == "Bulk delete started")
        let jobId = try #require(started.json["jobId"] as? String)
        #expect(UUID(uuidString: jobId) != nil)

        let job = try waitForJob(cluster, jobId, token: adminA)
        let conversations = victims.reduce(0) { $0 + $1.conversations }
        #expect(job["status"] as? String == "completed")
        #expect(job["total"] as? Int == victims.count)
        #expect(job["deleted"] as? Int == victims.count)
        #expect(job["processed"] as? Int == victims.count)
        #expect(job["skipped"] as? Int == 0)
        #expect(job["percent"] as? Double == 100)
        #expect(job["cascade"] as? [String: Int] == [
            "conversations": conversations, "messages": conversations * 2, "auditEntries": victims.count,
            "notifications": victims.filter { $0.assignee != nil }.count, "events": victims.count,
        ])
        #expect((job["shards"] as? [[String: Any]])?.count == 4)
        #expect(job["requestedBy"] as? String == "admin-org-a")

        let stats = try request(cluster, "GET", "/api/contacts/stats", token: adminA).json as? [String: Int]
        let remaining = orgA.count - victims.count
        #expect(stats?["contacts"] == remaining)
        #expect(stats?["conversations"] == orgA.reduce(0) { $0 + $1.conversations } - conversations)
        #expect(stats?["auditEntries"] == victims.count)
        #expect(stats?["notifications"] == victims.filter { $0.assignee != nil }.count)
        #expect(try request(cluster, "POST", "/api/contacts/query-count", token: adminA, body: #"{"stageIds":["s0","s2"]}"#).json["count"] as? Int == 0)

        // Org B: untouched, and blind to org A's job.
        #expect(try request(cluster, "GET", "/api/contacts/stats", token: adminB).body == statsB)
        #expect(try request(cluster, "GET", "/api/contacts/bulk-job/\(jobId)", token: adminB).status == 404)
    }

    @Test func deletesApplicationsWithoutTouchingContacts() throws {
        let cluster = try TestCluster(shards: 2)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try token(cluster, org: "org-a")
        let contacts = DataEndToEndTests.dataSet(org: 1, count: 30)
        let applications = contacts.prefix(12).enumerated().map { index, contact in
            #"{"kind":"Application","_id":"\#(String(format: "%024x", 0xA00 + index))","contactId":"\#(contact.id)","stageId":"apply"}"#
        }
        let body = (contacts.map(\.line) + applications).joined(separator: "\n")
        #expect(try request(cluster, "POST", "/api/contacts/import", token: admin, body: body).status == 200)
        let started = try request(cluster, "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"pipelineType":"Application"}"#)
        let job = try waitForJob(cluster, try #require(started.json["jobId"] as? String), token: admin)
        #expect(job["deleted"] as? Int == 12)
        let stats = try request(cluster, "GET", "/api/contacts/stats", token: admin).json as? [String: Int]
        #expect(stats?["applications"] == 0)
        #expect(stats?["contacts"] == 30)
        #expect(stats?["auditEntries"] == 12)
    }

    @Test func refusesWhatTheSeedRefuses() throws {
        let cluster = try TestCluster(shards: 1)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try token(cluster, org: "org-a")
        let missing = try request(cluster, "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"ownerFilter":"owned"}"#)
        #expect(missing.status == 400)
        #expect((missing.json["message"] as? String)?.contains("stageIds") == true)
        let typo = try request(cluster, "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"advancedParams":{"tagz":["x"]}}"#)
        #expect(typo.status == 400)
        #expect(try request(cluster, "DELETE", "/api/contacts/query-bulk-delete", token: token(cluster, org: "org-a", role: "agent"), body: #"{"orgWide":true}"#).status == 403)
        #expect(try request(cluster, "DELETE", "/api/contacts/query-bulk-delete", token: "nope", body: #"{"orgWide":true}"#).status == 401)
        #expect(try request(cluster, "GET", "/api/contacts/bulk-job/00000000-0000-4000-8000-000000000000", token: admin).status == 404)
    }
}
