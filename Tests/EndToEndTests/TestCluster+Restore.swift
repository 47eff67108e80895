import Foundation
import PostgresDriver
import SQLiteDriver
import TestSupport
import Testing
import WireRuntime

/// The tenant the restore suites delete and restore: `DataEndToEndTests.dataSet(org: 1)` (contacts
/// with conversations and messages, assigned or not) and one application for every fifth contact,
/// so that a restore has something of every kind to put back.
struct RestoreTenant {
    typealias Application = (id: String, contact: DataEndToEndTests.Seeded)

    let contacts: [DataEndToEndTests.Seeded]
    let applications: [Application]

    init(contacts count: Int) {
        contacts = DataEndToEndTests.dataSet(org: 1, count: count)
        applications = contacts.enumerated().filter { $0.offset % 5 == 1 }.map { (String(format: "a%07x%016x", 1, $0.offset), $0.element) }
    }

    /// The import body: every contact, then every application.
    var body: String {
        let applicationLines = applications.map {
            #"{"kind":"Application","_id":"\#($0.id)","contactId":"\#($0.contact.id)","stageId":"apply","name":"App \#($0.id.suffix(4))"}"#
        }
        return (contacts.map(\.line) + applicationLines).joined(separator: "\n")
    }

    /// The applications of `contacts`.
    func applications(of contacts: [DataEndToEndTests.Seeded]) -> [Application] {
        let ids = Set(contacts.map(\.id))
        return applications.filter { ids.contains($0.contact.id) }
    }

    /// What a delete or a restore of `contacts` counts in its job's `cascade`.
    func cascade(of contacts: [DataEndToEndTests.Seeded]) -> [String: Int] {
        let conversations = contacts.reduce(0) { $0 + $1.conversations }
        let applications = applications(of: contacts).count
        return [
            "conversations": conversations, "messages": conversations * 2, "applications": applications,
            "auditEntries": contacts.count + applications, "notifications": contacts.filter { $0.assignee != nil }.count,
            "events": contacts.count,
        ]
    }

    /// The keys of `GET /api/contacts/stats` that count the tenant's own records (not its logs).
    static let recordCounts = ["contacts", "applications", "conversations", "messages"]

    /// Reads as fast as a test asks: the restore suites read every contact, more than an org's
    /// standard rate allows in a second.
    static let unlimitedReads = ["TETHER_READS_PER_SECOND": "1000000"]
}

extension TestCluster {
    /// Sends a request that starts a job and returns the job's id from its 202 (the test fails without one).
    func startJob(_ method: String, _ path: String, token: String, body: String = "") throws -> String {
        let started = try send(method, path, token: token, body: body)
        #expect(started.status == 202, "\(method) \(path) \(body): \(started)")
        return try #require(started.json["jobId"] as? String, "\(method) \(path) \(body): \(started)")
    }

    /// `POST /api/contacts/bulk-job/{jobId}/restore`, with `headers` (each ending in CR LF).
    func restore(_ jobId: String, token: String, headers: String = "") throws -> RawHTTPResponse {
        try send("POST", "/api/contacts/bulk-job/\(jobId)/restore", token: token, headers: headers)
    }

    /// `GET /api/contacts/{id}` for each of `ids`: the status and the body exactly as written, by id.
    func contactAnswers(_ ids: [String], token: String) throws -> [String: String] {
        var answers: [String: String] = [:]
        for id in ids {
            let answer = try send("GET", "/api/contacts/\(id)", token: token)
            answers[id] = "\(answer.status) \(answer.body)"
        }
        return answers
    }

    /// `GET /api/contacts/stats` of the token's org.
    func stats(token: String) throws -> [String: Int] {
        let answer = try send("GET", "/api/contacts/stats", token: token)
        return try #require(answer.json as? [String: Int], "\(answer)")
    }

    /// The rows every shard still keeps for deletes, by table (`contacts`, `applications`,
    /// `conversations`, `messages`), read from the shards' databases while the cluster runs.
    func keptRows() throws -> [String: Int] {
        var rows: [String: Int] = [:]
        for shard in 0..<shards {
            let count: (String) throws -> Int64
            switch storage {
            case .sqlite:
                let database = try SQLiteDatabase(path: "\(data)/shards/shard-\(shard).db")
                _ = try database.scalar("PRAGMA busy_timeout = 5000")  // a batch may be committing
                count = { try database.scalar($0) }
            case .postgres:
                let connection = try postgresConnection(to: PostgresServer.shardDatabase(shard))
                count = { try connection.scalar($0) }
            }
            for table in RestoreTenant.recordCounts {
                rows[table, default: 0] += Int(try count(Self.keptRowsSQL(table)))
            }
        }
        return rows
    }

    /// A connection to `database` on the cluster's private server (scripts/cluster starts it under DIR/pg).
    func postgresConnection(to database: String) throws -> PostgresConnection {
        let url = try runCommand(repositoryRoot.appendingPathComponent("scripts/pg").path, ["url", "\(data)/pg"])
        try #require(url.status == 0, "scripts/pg url: \(url.output)")
        let server = url.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return try PostgresConnection(server.replacingOccurrences(of: "dbname=postgres", with: "dbname=\(database)"))
    }

    /// How many rows of `table` every job keeps: a kept contact's conversations and messages stay
    /// in place, under its seq in `kept_contacts`.
    private static func keptRowsSQL(_ table: String) -> String {
        guard ["conversations", "messages"].contains(table) else { return "SELECT count(*) FROM kept_\(table)" }
        return "SELECT count(*) FROM \(table) r JOIN kept_contacts k ON r.org = k.org AND r.contact_seq = k.seq"
    }

    /// `tether_purged_records_total` in `/metrics`, summed over its series; nil when the family is missing.
    func purgedRecords() throws -> Double? {
        let exposition = try MetricsEndToEndTests.parse(try get("/metrics").body)
        guard exposition.types["tether_purged_records_total"] != nil else { return nil }
        return exposition.samples.filter { $0.name == "tether_purged_records_total" }.reduce(0) { $0 + $1.value }
    }
}

/// An ISO 8601 timestamp of a job document (`"2026-12-07T17:00:00.123Z"`) in Unix epoch
/// milliseconds; nil for anything else (null, absent, not a timestamp).
func epochMilliseconds(_ value: Any?) -> Int64? {
    guard let text = value as? String else { return nil }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
}
