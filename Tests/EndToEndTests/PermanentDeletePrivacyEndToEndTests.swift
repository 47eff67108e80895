import Foundation
import PostgresDriver
import SQLiteDriver
import TestSupport
import Testing
import WireRuntime

/// A permanent delete keeps nothing personal anywhere: after one that searched for a contact's
/// email, no table of a shard's database, of the registry or of the event log holds the email
/// (on either engine),
/// nor does the job as shown, its events (live and replayed) or its audit entries.
@Suite(.serialized) struct PermanentDeletePrivacyEndToEndTests {
    private static let email = "ann.privacy@example.com"

    /// Every `table.column` of the cluster's databases (each shard's, the registry's and the event
    /// log's) whose value holds `text`.
    private func columnsHolding(_ text: String, in cluster: TestCluster) throws -> [String] {
        switch cluster.storage {
        case .sqlite:
            let shards = (0..<cluster.shards).map { "\(cluster.data)/shards/shard-\($0).db" }
            let paths = [cluster.layout.jobDatabase, cluster.layout.eventDatabase] + shards
            return try paths.flatMap { try columnsHolding(text, inSQLite: $0) }
        case .postgres:
            let databases = [PostgresServer.registryDatabase] + (0..<cluster.shards).map(PostgresServer.shardDatabase)
            return try databases.flatMap { try columnsHolding(text, in: cluster.postgresConnection(to: $0)) }
        }
    }

    private func columnsHolding(_ text: String, in connection: PostgresConnection) throws -> [String] {
        let columns = try connection.query(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'")
        return try (0..<columns.count).compactMap { row in
            let (table, column) = (columns.text(row, 0), columns.text(row, 1))
            let holds =
                columns.text(row, 2) == "bytea"
                ? "position(convert_to($1, 'UTF8') in \"\(column)\") > 0" : "strpos(\"\(column)\"::text, $1) > 0"
            let found = try connection.query("SELECT count(*) FROM \"\(table)\" WHERE \(holds)", [.text(text)])
            return found.integer(0, 0) > 0 ? "\(table).\(column)" : nil
        }
    }

    private func columnsHolding(_ text: String, inSQLite path: String) throws -> [String] {
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

    @Test(arguments: ClusterStorage.allCases)
    func afterAPermanentDeleteThatSearchedForAnEmailNothingHoldsIt(storage: ClusterStorage) throws {
        let cluster = try TestCluster(shards: 2, storage: storage)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let conversation = #"{"channel":"sms","messages":[{"direction":"inbound","body":"hi","createdAt":"2026-01-01T00:00:00Z"}]}"#
        let ann =
            #"{"_id":"ffffffff0000000000000001","stageId":"s1","assignedTo":"u1","name":"Ann","email":"\#(Self.email)","phone":"+15550199","#
            + #""conversations":[\#(conversation)]}"#
        let body = ([ann] + DataEndToEndTests.dataSet(org: 1, count: 40).map(\.line)).joined(separator: "\n")
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: body).status == 200)
        // The scan finds the email where it is: the test can fail.
        #expect(try columnsHolding(Self.email, in: cluster).contains("contacts.email"))

        let subscriber = try RawSSEClient(port: cluster.port, token: admin)
        _ = subscriber.collect(timeout: .milliseconds(300)) { _ in false }  // the subscription is in place
        let filter = #"{"orgWide":true,"permanent":true,"advancedParams":{"search":"\#(Self.email)"}}"#
        let started = try cluster.send(
            "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: filter, headers: "Idempotency-Key: privacy-1\r\n")
        #expect(started.status == 202, "\(started)")
        let jobId = try #require(started.json["jobId"] as? String)
        let job = try cluster.waitForJob(jobId, token: admin)
        #expect(job["deleted"] as? Int == 1, "\(job)")
        // Until both have come: the contact's event leaves its shard's outbox after the commit, and
        // may reach the stream after the job's last progress.
        let events = subscriber.collect(timeout: .seconds(20)) { events in
            events.contains { $0.type == "bulk_job_progress" && $0.data.contains("\"status\":\"completed\"") }
                && events.contains { $0.type == "contact_removed" }
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
        #expect(try columnsHolding(Self.email, in: cluster) == [])
        // The key remembers a digest: the same request still replays.
        let again = try cluster.send(
            "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: filter, headers: "Idempotency-Key: privacy-1\r\n")
        #expect(again.status == 202 && again.json["jobId"] as? String == jobId, "\(again)")
    }
}
