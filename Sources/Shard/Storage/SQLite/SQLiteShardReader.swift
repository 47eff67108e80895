import Foundation
import SQLiteDriver
import StorageDriver
import Wire
import WireRuntime

/// A read-only connection to a shard's database on a thread of its own: counts,
/// contacts, stats and log pages run beside the writer (`SQLiteShardStore`) instead of
/// queuing behind its batches. In WAL mode a reader sees the last committed
/// transaction while the next is being written.
///
/// Every read ends its snapshot when it ends, whatever way it ends (statements
/// are reset, multi-statement reads are one transaction), so no reader holds the
/// WAL back from being checkpointed and restarted.
actor SQLiteShardReader: PartitionReader {
    private let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    let index: Int
    private let database: SQLiteDatabase
    private let statements: StatementCache

    /// How long one read a request asked for may run before it is stopped: under
    /// the gateway's 5 s wait, so the reader is free again by the time its caller has given up.
    static let standardReadBudget: Duration = .seconds(3)
    /// This reader's budget (tests shrink it).
    var readBudget = SQLiteShardReader.standardReadBudget

    /// Opens a connection to the shard database at `path`, which its store has created.
    init(path: String, index: Int) throws {
        self.index = index
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA query_only=1; PRAGMA busy_timeout=1000; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768")
        self.database = database
        statements = StatementCache(database)
        // Last, after everything that can throw: a thrown init runs no deinit to stop it.
        executor = ThreadExecutor(name: "shard-\(index)-reader")
    }

    deinit { executor.shutdown() }

    /// Runs the read `body` within `readBudget`; past it the read stops and throws
    /// `StoreError.readBudgetExceeded`, and the reader goes on with its next read.
    func withinReadBudget<T: Sendable>(_ what: String, _ body: @Sendable (isolated SQLiteShardReader) throws -> T) throws -> T {
        do {
            return try database.withTimeBudget(readBudget) { try body(self) }
        } catch let error as SQLiteError where error.isInterrupted {
            throw StoreError.readBudgetExceeded(what: what, budget: readBudget)
        }
    }

    /// How many records of `filter.pipeline` in `org` match.
    func count(org: String, filter: ContactFilter) throws -> UInt64 {
        let predicate = FilterCompiler.predicate(for: filter, org: org)
        let sql = "SELECT count(*) FROM \(filter.pipeline.table) WHERE \(predicate.sql)"
        return try count(sql, predicate.bindings)
    }

    /// The contact `id` of `org` with its conversation and message counts; nil when absent.
    func contact(org: String, id: String) throws -> ContactDetail? {
        // One transaction: the contact and its counts from one snapshot.
        try database.readTransaction {
            let sql = "SELECT stage_id, assigned_to, name, email, phone, tags, source, created_at, updated_at, seq FROM contacts WHERE org = ? AND id = ?"
            let found: (contact: ImportRecord, seq: Int64)? = try statements.withStatement(sql, [.text(org), .text(id)]) { read in
                guard try read.step() else { return nil }
                let tags = MatchingRecords.tags(fromJSON: read.text(5))
                let contact = ImportRecord(
                    kind: .contact, id: id, contactId: id, stageId: read.optionalText(0), assignedTo: read.optionalText(1),
                    name: read.text(2), email: read.text(3), phone: read.text(4), tags: tags, source: read.optionalText(6),
                    createdAt: read.integer(7), updatedAt: read.integer(8), conversations: [])
                return (contact, read.integer(9))
            }
            guard let found else { return nil }
            let conversations = try count("SELECT count(*) FROM conversations WHERE org = ? AND contact_seq = ?", [.text(org), .integer(found.seq)])
            let messages = try count("SELECT count(*) FROM messages WHERE org = ? AND contact_seq = ?", [.text(org), .integer(found.seq)])
            return ContactDetail(contact: found.contact, conversationCount: conversations, messageCount: messages)
        }
    }

    /// Row counts of `org` in every table, from one snapshot: its live records, not what restorable deletes keep.
    func stats(org: String) throws -> OrgStats {
        try database.readTransaction {
            func rows(_ table: String) throws -> UInt64 { try count("SELECT count(*) FROM \(table) WHERE org = ?", [.text(org)]) }
            // What restorable deletes keep stays in the cascade's tables until their purge (`SQLiteSchema`).
            func kept(_ table: String) throws -> UInt64 { try count("SELECT coalesce(sum(\(table)), 0) FROM kept_totals WHERE org = ?", [.text(org)]) }
            var stats = OrgStats()
            stats.contacts = try rows("contacts")
            stats.applications = try rows("applications")
            stats.conversations = try rows("conversations") - kept("conversations")
            stats.messages = try rows("messages") - kept("messages")
            stats.auditEntries = try rows("audit_entries")
            stats.notifications = try rows("notifications")
            return stats
        }
    }

    /// `org`'s contacts counted by `by`, the largest groups first, at most `StatsGroups.perShard`.
    func groups(org: String, by: ContactGrouping) throws -> ContactGroups {
        let sql = ContactGroupQuery.sql(by, org: "?", limit: "?")
        return try statements.withStatement(sql, [.text(org), .integer(ContactGroupQuery.rowsToRead)]) { read in
            try ContactGroupQuery.answer { try read.step() ? ContactGroup(key: read.optionalText(0), contacts: UInt64(read.integer(1).magnitude)) : nil }
        }
    }

    /// Up to `limit` entries of this shard after sequence number `after`, oldest first, and how
    /// many match in all; cut at `LogPage.byteBudget`, when `next` holds the last position taken.
    func logPage(_ query: LogQuery, after: Int64, limit: Int) throws -> LogPage {
        let plan = LogPagePlan(query)
        let predicate = plan.equalities.map { "\($0.column) = ?" }.joined(separator: " AND ")
        let bindings = plan.equalities.map { SQLValue.text($0.value) }
        return try database.readTransaction {
            let total = try count("SELECT count(*) FROM \(plan.table) WHERE \(predicate)", bindings)
            let sql = "SELECT \(plan.columns) FROM \(plan.table) WHERE \(predicate) AND seq > ? ORDER BY seq LIMIT ?"
            return try statements.withStatement(sql, bindings + [.integer(after), .integer(Int64(limit))]) { read in
                var page = LogPagePlan.Page(total: total)
                while try read.step() {
                    let entry = LogEntry(
                        shard: UInt32(index), seq: read.integer(0), type: read.text(1), jobId: read.text(2), actor: read.text(3),
                        recordId: read.text(4), snapshot: read.text(5), createdAt: read.integer(6))
                    guard page.add(entry) else { break }
                }
                return page.result
            }
        }
    }

    /// Up to `query.limit` records that match after `query.after`, in id order, and whether more follow.
    func records(_ query: RecordQuery) throws -> RecordPage {
        let predicate = FilterCompiler.predicate(for: query.filter, org: query.org)
        let sql = """
            SELECT \(MatchingRecords.columns(query.filter.pipeline, tags: "tags")) FROM \(query.filter.pipeline.table)
            WHERE \(predicate.sql) AND id > ? ORDER BY id LIMIT ?
            """
        let bindings = predicate.bindings + [.text(query.after ?? ""), .integer(MatchingRecords.rowsToRead(query))]
        return try statements.withStatement(sql, bindings) { read in
            var page = MatchingRecords(query)
            while try read.step() {
                let record = MatchingRecords.record(query.filter.pipeline, text: { read.optionalText(Int32($0)) }, integer: { read.integer(Int32($0)) })
                guard page.add(record) else { break }
            }
            return page.page
        }
    }

    /// The first column of `sql`'s first row as a count.
    private func count(_ sql: String, _ bindings: [SQLValue]) throws -> UInt64 {
        try statements.withStatement(sql, bindings) { try $0.step() ? UInt64($0.integer(0).magnitude) : 0 }
    }
}
