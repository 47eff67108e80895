import PostgresDriver
import StorageDriver
import Synchronization
import Wire
import WireRuntime

/// One shard's partition in a PostgreSQL database, and every write to it: the
/// `PartitionStore` that `SQLiteShardStore` is for SQLite.
///
/// Set-based in PostgreSQL's own idioms: an import chunk is one COPY into
/// temporary tables and three upserts from them; a delete batch is one
/// statement, a data-modifying CTE that chooses the batch, deletes it with its
/// cascade, and writes its audit entries, notifications and outbox events. The
/// batch and its slice's checkpoint commit as one transaction.
///
/// Fencing (`PostgresFence`): the store holds a session advisory lock on its
/// shard for as long as its connection lives, so a second process for the same
/// shard, on any host, is refused (`StoreError.partitionLocked`). The server
/// drops the lock with the session, so a SIGKILLed shard never leaves it behind.
/// Every write transaction first proves that its session holds the lock, so a
/// process whose session died while another took over writes nothing.
///
/// The database records the cluster it belongs to (`ClusterIdentity`): a shard
/// of another cluster (another data directory on the same server) is refused.
///
/// A connection that breaks (the server crashed or restarts) is made again,
/// lock first, at the next call; a session that cannot take the lock again is
/// abandoned until a later try can; meanwhile `storageReachable` is false. Whether
/// the commit in flight when it broke landed is unknown, so every slice is read
/// again from its checkpoint row, which committed with its batch or did not.
actor PostgresShardStore: PartitionStore {
    private let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    nonisolated let index: Int
    let slots: SlotRange
    let connection: PostgresConnection
    let fence: PostgresFence
    /// Slices touched since the storage was last reached (`SliceLedger`; the checkpoint table is the truth).
    var slices: [String: StoredSlice] = [:]
    private var importSizer = BatchSizer()
    private let reachable = Atomic<Bool>(true)
    private let maintenance: PostgresMaintenance

    nonisolated var storageReachable: Bool { reachable.load(ordering: .relaxed) }
    /// Records written (imported or deleted) since the planner's statistics were last refreshed,
    /// and records deleted since the last vacuum.
    var writtenSinceAnalyze = 0
    var deletedSinceVacuum = 0
    /// Writes committed (import chunks, slice batches, purge steps), that count when
    /// `checkpointIfIdle` last looked, and how many looks in a row found it unchanged. Counted
    /// apart from the records: a restore's batches write without taking any record out, and the
    /// vacuum a delete left due, started beside them, slowed the restore and other tenants' reads.
    var writes = 0
    private var writesSeen = 0
    private var quietLooks = 0

    /// Looks in a row that find no new write before housekeeping starts: writes have paused for
    /// at least this many of the shard's idle intervals (a second each). One job often follows
    /// another within a second or two (a delete and its restore, one tenant's job after
    /// another's); a vacuum started between them ran beside the next one, and so can the index
    /// rebuild after it, whose lock waits can hold the next one's batches up.
    static let quietLooksBeforeHousekeeping = 2

    /// Written records past which an idle shard refreshes the planner's statistics (`ANALYZE`): a
    /// bulk import leaves the planner guessing until autovacuum comes round, and guessing wrong (a
    /// sort of every match for each batch, an index of the wrong column) costs every batch.
    static let analyzeAfter = 10_000
    /// Deleted records past which an idle shard vacuums its tables (`PostgresMaintenance`): a bulk
    /// delete leaves dead rows that every count reads until then. Not after imports: rows only
    /// added are autovacuum's to tidy, at its own gentle pace.
    static let vacuumAfter = 10_000

    /// Connects to the partition of shard `index` of `cluster` (creating its tables when new),
    /// which must own `slots`; a writer's session, under `PostgresWriterSession`'s time-outs.
    init(connectionString: String, index: Int, slots: SlotRange, cluster: ClusterIdentity) throws {
        self.index = index
        self.slots = slots
        maintenance = PostgresMaintenance(connectionString: connectionString)
        let connection = try PostgresConnection(connectionString, sessionSetup: PostgresWriterSession.setup)
        let fence = PostgresFence(key: Int32(index), guarded: "shard \(index)'s partition")
        guard try fence.take(on: connection) else { throw StoreError.partitionLocked(path: "shard \(index)'s partition in \(connection.target)") }
        try connection.transaction {
            try PostgresSchema.prepare(connection)
            try Self.claim(connection, owner: "shard \(index) (slots \(slots))")
            try cluster.claim(table: "meta", on: connection)
        }
        self.connection = connection
        self.fence = fence
        // Last, after everything that can throw: a thrown init runs no deinit to stop it.
        executor = ThreadExecutor(name: "shard-\(index)-store", niceness: ThreadExecutor.bulkWorkNiceness)
    }

    deinit { executor.shutdown() }

    /// Records who owns a new database, and refuses one that belongs to someone else.
    private static func claim(_ connection: PostgresConnection, owner: String) throws {
        let found = try connection.query("SELECT value FROM meta WHERE key = 'owner'")
        if found.count > 0 {
            guard found.text(0, 0) == owner else {
                throw StoreError.foreignDatabase(path: connection.target, found: found.text(0, 0), expected: owner)
            }
        } else {
            try connection.query("INSERT INTO meta (key, value) VALUES ('owner', $1), ('schema', $2)", [.text(owner), .text("\(PostgresSchema.version)")])
        }
    }

    /// Runs `body` on the connection, first making it again (with the lock) when it broke.
    ///
    /// libpq learns that a connection broke (the server restarted while it was idle) only when
    /// it is next used. So a `body` that is safe to run twice, `idempotent`, is run once more on
    /// a new connection when the first try finds the old one broken.
    @discardableResult
    func withConnection<T>(idempotent: Bool = false, _ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            return try attempt(body)
        } catch let error as any StorageFailure where error.fault == .connection && idempotent {
            return try attempt(body)
        }
    }

    private func attempt<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            // A new session must take the shard's lock again, or it is set aside (`PostgresFence`).
            if !connection.isConnected { try fence.reconnect(connection) }
            let value = try body(connection)
            reachable.store(true, ordering: .relaxed)
            return value
        } catch let error as any StorageFailure where error.fault == .connection {
            slices.removeAll()
            reachable.store(false, ordering: .relaxed)
            throw error
        }
    }

    // MARK: - Housekeeping

    /// PostgreSQL checkpoints by itself. What is left: while the server is away, try to reach it
    /// again, so that the shard reports healthy as soon as it is back; and once writes have paused
    /// (`quietLooksBeforeHousekeeping`) after many records, vacuum the tables beside the writer
    /// when many were deleted (a vacuum still running is left to finish, and asked again at the
    /// next pause), or else refresh the planner's statistics when many were written.
    func checkpointIfIdle() throws -> Bool {
        guard storageReachable else {
            try withConnection { try $0.scalar("SELECT 1") }
            return true
        }
        quietLooks = writes == writesSeen ? quietLooks + 1 : 0
        writesSeen = writes
        guard quietLooks >= Self.quietLooksBeforeHousekeeping else { return false }
        if deletedSinceVacuum >= Self.vacuumAfter {
            guard try maintenance.start() else { return false }
            deletedSinceVacuum = 0
            writtenSinceAnalyze = 0  // the vacuum analyzes too
            return true
        }
        guard writtenSinceAnalyze >= Self.analyzeAfter else { return false }
        try withConnection { try $0.execute("ANALYZE contacts, applications, conversations, messages") }
        writtenSinceAnalyze = 0
        return true
    }

    /// What the idle vacuum and reindex (`PostgresMaintenance`, started by `checkpointIfIdle`)
    /// took off the tables since the last call: they run beside the writer, not in steps here.
    func reclaimSpaceStep(at now: ContinuousClock.Instant) throws -> Int {
        maintenance.takeFreedBytes()
    }

    /// Lets the next process for this partition in (the lock would go with the session anyway,
    /// once the process is gone). Nothing may be written after it.
    func close() throws {
        try fence.release(on: connection)
    }

    // MARK: - Import

    func records(of batch: ImportBatch) throws -> [ImportRecord] { try batch.records() }

    func importChunk(org: String, _ records: [ImportRecord], from start: Int, version: Int64) throws -> (counts: ImportCounts, next: Int) {
        let chunk = try importSizer.writeChunk(of: records, from: start) { try importRecords(org: org, $0, version: version) }
        writtenSinceAnalyze += chunk.next - start
        writes += 1
        return (chunk.written, chunk.next)
    }

    /// Writes `records` in one transaction: a contact replaces its earlier version together
    /// with its conversations and messages; within the chunk, the last of one id wins.
    func importRecords(org: String, _ records: ArraySlice<ImportRecord>, version: Int64) throws -> ImportCounts {
        try slots.requireOwning(records)
        let staged = ImportStaging(records)
        // Idempotent: a re-import replaces what the first try may have committed.
        return try withConnection(idempotent: true) { connection in
            try fence.write(on: connection) {
                try connection.execute(ImportStaging.createTables)
                if !staged.contacts.isEmpty {
                    try connection.copy("COPY import_contacts FROM STDIN", staged.contactRows)
                    let written = try connection.query(ImportStaging.upsertContacts, [.text(org), .integer(version)])
                    var seqs: [String: Int64] = [:]
                    var replaced: [Int64] = []
                    for row in 0..<written.count {
                        seqs[written.text(row, 0)] = written.integer(row, 1)
                        if written.text(row, 2) == "t" { replaced.append(written.integer(row, 1)) }
                    }
                    // A first import of these contacts (the common case) has no cascade to clear.
                    if !replaced.isEmpty { try connection.query(ImportStaging.clearCascades, [.text(org), .integers(replaced)]) }
                    try connection.copy(ImportStaging.copyConversations, staged.conversationRows(org: org, seqs: seqs))
                    try connection.copy(ImportStaging.copyMessages, staged.messageRows(org: org, seqs: seqs))
                }
                if !staged.applications.isEmpty {
                    try connection.copy("COPY import_applications FROM STDIN", staged.applicationRows)
                    try connection.query(ImportStaging.upsertApplications, [.text(org), .integer(version)])
                }
                return staged.counts
            }
        }
    }

    // MARK: - Outbox

    func outbox(limit: Int) throws -> [OutboxEvent] {
        let rows = try withConnection(idempotent: true) { connection in
            try connection.query("SELECT seq, org, type, payload, created_at FROM event_outbox ORDER BY seq LIMIT $1", [.integer(Int64(limit))])
        }
        return (0..<rows.count).map { row in
            OutboxEvent(shard: UInt32(index), seq: rows.integer(row, 0), org: rows.text(row, 1), type: rows.text(row, 2),
                        payload: rows.text(row, 3), createdAt: rows.integer(row, 4))
        }
    }

    func removeFromOutbox(through seq: Int64) throws {
        try withConnection(idempotent: true) { connection in
            try fence.write(on: connection) { try connection.query("DELETE FROM event_outbox WHERE seq <= $1", [.integer(seq)]) }
        }
    }
}
