import Foundation
import SQLiteDriver
import TestSupport
import Testing

/// A permanent delete keeps nothing personal anywhere: after one that searched for a contact's
/// email, no table of a shard's database, of the registry or of the event log holds the email,
/// nor does the job as shown, its events (live and replayed) or its audit entries.
@Suite(.serialized) struct PermanentDeletePrivacyEndToEndTests {
    private static let email = "ann.privacy@example.com"

    /// Every `table.column` of the SQLite database at `path` whose value holds `text`.
    private func columnsHolding(_ text: String, in path: String) throws -> [String] {
        let database = try SQLiteDatabase(path: path)
        _ = try database.scalar("PRAGMA busy_timeout = 5000")  // a batch may be committing
        let needle = "X'" + text.utf8.map { String(format: "%02x", $0) }.joined() + "'"
        let tables = try database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        var names: [String] = []
        while try tables.step() { names.append(tables.text(0)) }
        var holding: [String] = []
        for table in names {
            let columns = try database.prepare("SELECT name FROM pragma_table_info('\(table)')")
            while try columns.step() {
                let column = columns.text(0)
                let sql = "SELECT count(*) FROM \"\(table)\" WHERE instr(CAST(\"\(column)\" AS BLOB), \(needle)) > 0"
                if try database.scalar(sql) > 0 { holding.append("\(table).\(column)") }
            }
        }
        return holding
    }

    @Test func afterAPermanentDeleteThatSearchedForAnEmailNothingHoldsIt() throws {
        let cluster = try TestCluster(shards: 2)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let ann = #"{"_id":"ffffffff0000000000000001","stageId":"s1","assignedTo":"u1","name":"Ann","email":"\#(Self.email)","phone":"+15550199","conversations":[{"channel":"sms","messages":[{"direction":"inbound","body":"hi","createdAt":"2026-01-01T00:00:00Z"}]}]}"#
        let body = ([ann] + DataEndToEndTests.dataSet(org: 1, count: 40).map(\.line)).joined(separator: "\n")
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: body).status == 200)
        let databases = [cluster.layout.jobDatabase, cluster.layout.eventDatabase] + (0..<2).map { "\(cluster.data)/shards/shard-\($0).db" }
        // The scan finds the email where it is: the test can fail.
        #expect(try databases.flatMap { try columnsHolding(Self.email, in: $0) }.contains("contacts.email"))

        let subscriber = try RawSSEClient(port: cluster.port, token: admin)
        _ = subscriber.collect(timeout: .milliseconds(300)) { _ in false }  // the subscription is in place
        let filter = #"{"orgWide":true,"permanent":true,"advancedParams":{"search":"\#(Self.email)"}}"#
        let started = try cluster.send(
            "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: filter, headers: "Idempotency-Key: privacy-1\r\n")
        #expect(started.status == 202, "\(started)")
        let jobId = try #require(started.json["jobId"] as? String)
        let job = try cluster.waitForJob(jobId, token: admin)
        #expect(job["deleted"] as? Int == 1, "\(job)")
        let events = subscriber.collect(timeout: .seconds(20)) { events in
            events.contains { $0.type == "bulk_job_progress" && $0.data.contains("\"status\":\"completed\"") }
        }
        #expect(events.contains { $0.type == "contact_removed" })

        let shown = try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: admin)
        #expect(shown.body.contains(#""search":"(redacted)""#) && !shown.body.contains(Self.email), "\(shown.body)")
        #expect(!events.contains { $0.data.contains(Self.email) }, "a live event held the email")
        let first = try #require(events.first?.id)
        let replayed = try RawSSEClient(port: cluster.port, token: admin, lastEventId: first).collect(timeout: .seconds(3)) { _ in false }
        #expect(!replayed.isEmpty && !replayed.contains { $0.data.contains(Self.email) }, "a replayed event held the email")
        let audits = try cluster.send("GET", "/api/event-logs?jobId=\(jobId)&limit=100", token: admin)
        #expect(audits.status == 200 && audits.body.contains(jobId) && !audits.body.contains(Self.email), "\(audits.body)")
        #expect(try databases.flatMap { try columnsHolding(Self.email, in: $0) } == [])
        // The key remembers a digest: the same request still replays.
        let again = try cluster.send(
            "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: filter, headers: "Idempotency-Key: privacy-1\r\n")
        #expect(again.status == 202 && again.json["jobId"] as? String == jobId, "\(again)")
    }
}
