import Foundation
import PostgresDriver
import Wire
import WireRuntime

/// A read connection to a shard's PostgreSQL partition on a thread of its own:
/// the `PartitionReader` that `SQLiteShardReader` is for SQLite. Each read is one
/// read-only, repeatable-read transaction (one snapshot, ended however the read
/// ends) with a `statement_timeout` of the reader's budget.
actor PostgresShardReader: PartitionReader {
    private let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    let index: Int
    private let connection: PostgresConnection
    /// This reader's budget (tests shrink it).
    var readBudget = SQLiteShardReader.standardReadBudget

    init(connectionString: String, index: Int) throws {
        self.index = index
        connection = try PostgresConnection(connectionString)
        // Last, after everything that can throw: a thrown init runs no deinit to stop it.
        executor = ThreadExecutor(name: "shard-\(index)-reader")
    }

    deinit { executor.shutdown() }

    /// A read finds a connection the server dropped (it restarted while the reader was idle)
    /// only by using it: reads are safe to repeat, so such a read runs once more on a new one.
    func withinReadBudget<T: Sendable>(_ what: String, _ body: @Sendable (isolated PostgresShardReader) throws -> T) throws -> T {
        do {
            return try attempt(what, body)
        } catch let error as PostgresError where error.fault == .connection {
            return try attempt(what, body)
        }
    }

    private func attempt<T: Sendable>(_ what: String, _ body: @Sendable (isolated PostgresShardReader) throws -> T) throws -> T {
        let milliseconds = max(1, Int64(readBudget / .milliseconds(1)))
        return try connection.whenConnected {
            do {
                try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = \(milliseconds)")
                defer { try? connection.execute("ROLLBACK") }
                return try body(self)
            } catch let error as PostgresError where error.isCancelled {
                throw StoreError.readBudgetExceeded(what: what, budget: readBudget)
            }
        }
    }

    func count(org: String, filter: ContactFilter) throws -> UInt64 {
        let predicate = PostgresPredicate(for: filter, org: org)
        return try connection.scalar("SELECT count(*) FROM \(filter.pipeline.table) WHERE \(predicate.sql)", predicate.bindings).magnitude
    }

    func contact(org: String, id: String) throws -> ContactDetail? {
        let found = try connection.query("""
            SELECT stage_id, assigned_to, name, email, phone, array_to_json(tags)::text, source, created_at, updated_at,
                (SELECT count(*) FROM conversations v WHERE v.org = c.org AND v.contact_seq = c.seq),
                (SELECT count(*) FROM messages m WHERE m.org = c.org AND m.contact_seq = c.seq)
            FROM contacts c WHERE org = $1 AND id = $2
            """, [.text(org), .text(id)])
        guard found.count == 1 else { return nil }
        let tags = MatchingRecords.tags(fromJSON: found.text(0, 5))
        let contact = ImportRecord(
            kind: .contact, id: id, contactId: id, stageId: found.optionalText(0, 0), assignedTo: found.optionalText(0, 1),
            name: found.text(0, 2), email: found.text(0, 3), phone: found.text(0, 4), tags: tags, source: found.optionalText(0, 6),
            createdAt: found.integer(0, 7), updatedAt: found.integer(0, 8), conversations: [])
        return ContactDetail(contact: contact, conversationCount: UInt64(found.integer(0, 9)), messageCount: UInt64(found.integer(0, 10)))
    }

    func records(_ query: RecordQuery) throws -> RecordPage {
        let predicate = PostgresPredicate(for: query.filter, org: query.org)
        let rows = try connection.query("""
            SELECT \(MatchingRecords.columns(query.filter.pipeline, tags: "array_to_json(tags)::text"))
            FROM \(query.filter.pipeline.table)
            WHERE \(predicate.sql) AND id > $\(predicate.nextParameter) ORDER BY id LIMIT $\(predicate.nextParameter + 1)
            """, predicate.bindings + [.text(query.after ?? ""), .integer(MatchingRecords.rowsToRead(query))])
        var page = MatchingRecords(query)
        for row in 0..<rows.count {
            guard page.add(MatchingRecords.record(query.filter.pipeline, text: { rows.optionalText(row, $0) }, integer: { rows.integer(row, $0) }))
            else { break }
        }
        return page.page
    }

    /// Conversations and messages of kept contacts are in their tables still, but no live data:
    /// their org's `kept_totals` are taken off (read in the same snapshot, as a batch writes both).
    func stats(org: String) throws -> OrgStats {
        let kept = ["conversations": " - coalesce((SELECT conversations FROM kept_totals WHERE org = $1), 0)",
                    "messages": " - coalesce((SELECT messages FROM kept_totals WHERE org = $1), 0)"]
        let tables = ["contacts", "applications", "conversations", "messages", "audit_entries", "notifications"]
        let counts = try connection.query(
            "SELECT " + tables.map { "(SELECT count(*) FROM \($0) WHERE org = $1)\(kept[$0] ?? "")" }.joined(separator: ", "), [.text(org)])
        var stats = OrgStats()
        stats.contacts = UInt64(counts.integer(0, 0))
        stats.applications = UInt64(counts.integer(0, 1))
        stats.conversations = UInt64(counts.integer(0, 2))
        stats.messages = UInt64(counts.integer(0, 3))
        stats.auditEntries = UInt64(counts.integer(0, 4))
        stats.notifications = UInt64(counts.integer(0, 5))
        return stats
    }

    func groups(org: String, by: ContactGrouping) throws -> ContactGroups {
        let rows = try connection.query(
            ContactGroupQuery.sql(by, org: "$1", limit: "$2"), [.text(org), .integer(ContactGroupQuery.rowsToRead)])
        var row = 0
        return ContactGroupQuery.answer {
            guard row < rows.count else { return nil }
            defer { row += 1 }
            return ContactGroup(key: rows.optionalText(row, 0), contacts: UInt64(rows.integer(row, 1).magnitude))
        }
    }

    func logPage(_ query: LogQuery, after: Int64, limit: Int) throws -> LogPage {
        let plan = LogPagePlan(query)
        let predicate = plan.equalities.enumerated().map { "\($0.element.column) = $\($0.offset + 1)" }.joined(separator: " AND ")
        let bindings = plan.equalities.map { PostgresValue.text($0.value) }
        let total = try connection.scalar("SELECT count(*) FROM \(plan.table) WHERE \(predicate)", bindings).magnitude
        let rows = try connection.query(
            "SELECT \(plan.columns) FROM \(plan.table) WHERE \(predicate) AND seq > $\(bindings.count + 1) ORDER BY seq LIMIT $\(bindings.count + 2)",
            bindings + [.integer(after), .integer(Int64(limit))])
        var page = LogPagePlan.Page(total: total)
        for row in 0..<rows.count {
            let entry = LogEntry(
                shard: UInt32(index), seq: rows.integer(row, 0), type: rows.text(row, 1), jobId: rows.text(row, 2), actor: rows.text(row, 3),
                recordId: rows.text(row, 4), snapshot: rows.text(row, 5), createdAt: rows.integer(row, 6))
            guard page.add(entry) else { break }
        }
        return page.result
    }
}
