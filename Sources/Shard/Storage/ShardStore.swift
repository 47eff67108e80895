import Foundation
import Wire

/// One shard's partition: its SQLite database and every query on it.
///
/// The actor runs on its own thread (`ThreadExecutor`), so a long transaction
/// never takes a cooperative-pool thread, and the SQLite handle is only ever
/// used from that thread.
///
/// Durability: WAL with `synchronous=NORMAL`. A committed transaction's WAL
/// frames are in the operating system before COMMIT returns, so it survives
/// SIGKILL of the shard; a power cut may lose the last commits (never
/// corrupting the file), which we accept for a 2× faster commit than FULL.
///
/// `locking_mode=EXCLUSIVE`: the shard holds its database's lock for its whole
/// life, so a second process can never write the same partition (it gets
/// SQLITE_BUSY and exits), and the WAL index lives in heap memory instead of a
/// shared-memory file (measured: about 5% faster imports).
actor ShardStore {
    private let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    let path: String
    let index: Int
    let slots: SlotRange
    let database: SQLiteDatabase
    private let writes: ImportStatements
    let deletes: DeleteStatements
    private var countStatements: [String: SQLiteStatement] = [:]
    /// Delete slices touched since start, by job id (the checkpoint table is the truth).
    var slices: [String: DeleteSlice] = [:]

    /// How long one read a request asked for (a count, a contact, stats, a log
    /// page) may run before it is stopped: under the gateway's 5 s wait, so the
    /// shard is free again by the time its caller has given up.
    static let standardReadBudget: Duration = .seconds(3)
    /// This store's budget (tests shrink it).
    var readBudget = ShardStore.standardReadBudget

    /// Runs the read `body` within `readBudget`; past it the read stops and throws
    /// `StoreError.readBudgetExceeded`, and the store goes on with its next work.
    func withinReadBudget<T: Sendable>(_ what: String, _ body: @Sendable (isolated ShardStore) throws -> T) throws -> T {
        do {
            return try database.withTimeBudget(readBudget) { try body(self) }
        } catch let error as SQLiteError where error.isInterrupted {
            throw StoreError.readBudgetExceeded(what: what, budget: readBudget)
        }
    }

    /// Distinct filter shapes whose prepared count statement is kept.
    static let cachedCountStatements = 64

    /// Opens (creating when new) the database of shard `index`, which must own `slots`.
    init(path: String, index: Int, slots: SlotRange) throws {
        self.path = path
        self.index = index
        self.slots = slots
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=1000; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=10000")
        try database.transaction {
            try Schema.prepare(database, path: path)
            try Self.claim(database, path: path, owner: "shard \(index) (slots \(slots))")
        }
        self.database = database
        writes = try ImportStatements(database)
        deletes = try DeleteStatements(database)
        // Last, after everything that can throw: a thrown init runs no deinit to stop it.
        executor = ThreadExecutor(name: "shard-\(index)-store")
    }

    deinit { executor.shutdown() }

    /// Records who owns a new database, and refuses one that belongs to someone else.
    private static func claim(_ database: SQLiteDatabase, path: String, owner: String) throws {
        let read = try database.prepare("SELECT value FROM meta WHERE key = 'owner'")
        if try read.step() {
            let found = read.text(0)
            guard found == owner else { throw StoreError.foreignDatabase(path: path, found: found, expected: owner) }
        } else {
            try database.prepare("INSERT INTO meta (key, value) VALUES ('owner', ?)").run([.text(owner)])
            try database.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run([.text("\(Schema.version)")])
        }
    }

    // MARK: - Import

    /// Writes `records` in one transaction: a contact replaces its earlier
    /// version together with its conversations and messages. Every row takes
    /// `version`, the batch's stamp from the coordinator's cluster-wide clock,
    /// which orders it against every job's snapshot.
    func importRecords(org: String, _ records: [ImportRecord], version: Int64) throws -> ImportCounts {
        for record in records {
            let slot = PartitionMap.slot(of: record.contactId)
            guard slots.contains(slot) else { throw StoreError.misrouted(id: record.id, slot: slot, owned: "\(slots)") }
        }
        return try database.transaction {
            var counts = ImportCounts()
            for record in records {
                switch record.kind {
                case .contact:
                    try writes.write(contact: record, org: org, version: version)
                    counts.contacts += 1
                    counts.conversations += UInt64(record.conversations.count)
                    counts.messages += UInt64(record.conversations.reduce(0) { $0 + $1.messages.count })
                case .application:
                    try writes.write(application: record, org: org, version: version)
                    counts.applications += 1
                }
            }
            return counts
        }
    }

    // MARK: - Reads

    /// How many records of `filter.pipeline` in `org` match.
    func count(org: String, filter: ContactFilter) throws -> UInt64 {
        let predicate = FilterCompiler.predicate(for: filter, org: org)
        let sql = "SELECT count(*) FROM \(Schema.table(for: filter.pipeline)) WHERE \(predicate.sql)"
        let statement = try cachedStatement(sql)
        try statement.bind(predicate.bindings)
        return try statement.step() ? UInt64(statement.integer(0)) : 0
    }

    /// The contact `id` of `org` with its conversation and message counts; nil when absent.
    func contact(org: String, id: String) throws -> ContactDetail? {
        let read = try cachedStatement(
            "SELECT stage_id, assigned_to, name, email, phone, tags, source, created_at, updated_at FROM contacts WHERE org = ? AND id = ?")
        try read.bind([.text(org), .text(id)])
        guard try read.step() else { return nil }
        let tagsJSON = read.text(5)
        let tags = (try? JSONSerialization.jsonObject(with: Data(tagsJSON.utf8))) as? [String] ?? []
        let contact = ImportRecord(
            kind: .contact, id: id, contactId: id, stageId: read.optionalText(0), assignedTo: read.optionalText(1),
            name: read.text(2), email: read.text(3), phone: read.text(4), tags: tags, source: read.optionalText(6),
            createdAt: read.integer(7), updatedAt: read.integer(8), conversations: [])
        let conversations = try database.scalar("SELECT count(*) FROM conversations WHERE org = ? AND contact_id = ?", [.text(org), .text(id)])
        let messages = try database.scalar("SELECT count(*) FROM messages WHERE org = ? AND contact_id = ?", [.text(org), .text(id)])
        return ContactDetail(contact: contact, conversationCount: UInt64(conversations), messageCount: UInt64(messages))
    }

    /// Row counts of `org` in every table.
    func stats(org: String) throws -> OrgStats {
        func count(_ table: String) throws -> UInt64 {
            let statement = try cachedStatement("SELECT count(*) FROM \(table) WHERE org = ?")
            try statement.bind([.text(org)])
            return try statement.step() ? UInt64(statement.integer(0)) : 0
        }
        var stats = OrgStats()
        stats.contacts = try count("contacts")
        stats.applications = try count("applications")
        stats.conversations = try count("conversations")
        stats.messages = try count("messages")
        stats.auditEntries = try count("audit_entries")
        stats.notifications = try count("notifications")
        return stats
    }

    /// A prepared statement for `sql`, kept for reuse; the cache is bounded
    /// because filters with different array lengths make different SQL.
    func cachedStatement(_ sql: String) throws -> SQLiteStatement {
        if let statement = countStatements[sql] { return statement }
        if countStatements.count >= Self.cachedCountStatements { countStatements.removeAll() }
        let statement = try database.prepare(sql)
        countStatements[sql] = statement
        return statement
    }
}
