import Foundation
import SQLiteDriver
import Wire
import WireRuntime

/// One shard's partition: its SQLite database, and every write to it.
///
/// The actor runs on its own thread (`ThreadExecutor`), so a long transaction
/// never takes a cooperative-pool thread, and the SQLite handle is only ever
/// used from that thread. It is the partition's one writer; reads run beside
/// it on `SQLiteShardReader`s, each with a connection of its own.
///
/// Durability: WAL with `synchronous=NORMAL`. A committed transaction's WAL
/// frames are in the operating system before COMMIT returns, so it survives
/// SIGKILL of the shard; a power cut may lose the last commits (never
/// corrupting the file), which we accept for a commit that does not wait for the disk, as FULL does.
///
/// A second process for the same partition is refused by `PartitionLock`.
/// The WAL is checkpointed as it grows (`checkpointAsTheWALGrows`), and truncated to
/// nothing once writes pause (`checkpointIfIdle`) and when the store closes.
actor SQLiteShardStore: PartitionStore {
    private let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    nonisolated let path: String
    nonisolated let index: Int
    /// A file on this host: there is no server to lose.
    nonisolated var storageReachable: Bool { true }
    let slots: SlotRange
    let database: SQLiteDatabase
    private let lock: PartitionLock
    private let writes: ImportStatements
    let deletes: SQLiteDeleteStatements
    let restores: SQLiteRestoreStatements
    let statements: StatementCache
    /// Slices touched since start, by job id (`SliceLedger`; the checkpoint table is the truth).
    var slices: [String: StoredSlice] = [:]
    /// The size of the next import chunk.
    private var importSizer = BatchSizer()
    /// `SQLiteDatabase.totalChanges` when `checkpointIfIdle` last looked, and after its last truncation.
    private var changesSeen = 0
    private var changesCheckpointed = 0
    /// When to give the space of deleted records back (`SQLiteShardStore+Reclaim.swift`).
    var reclaim: ReclaimSchedule
    /// The most live pages this database is rewritten with to gain incremental vacuum.
    let convertByVacuumUpToPages: Int

    /// WAL pages (4 KiB) past which a commit checkpoints, without waiting for readers; past
    /// twice that, waiting for them, so that the WAL starts over (`checkpointAsTheWALGrows`).
    /// A quarter of the database within these bounds: a small shard does not checkpoint every
    /// few commits, nor a large one let its WAL grow past 80 MiB.
    static let walCheckpointPages = 1_000...10_000

    /// Opens (creating when new) the database of shard `index`, which must own `slots`.
    init(
        path: String, index: Int, slots: SlotRange, walCheckpointPages: ClosedRange<Int> = SQLiteShardStore.walCheckpointPages,
        convertByVacuumUpToPages: Int = SQLiteShardStore.convertByVacuumUpToPages
    ) throws {
        self.path = path
        self.convertByVacuumUpToPages = convertByVacuumUpToPages
        self.index = index
        self.slots = slots
        lock = try PartitionLock(path: path + ".lock")
        let database = try SQLiteDatabase(path: path)
        // auto_vacuum first: it takes effect only before a new database's first table.
        try database.execute("PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=1000; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536")
        database.checkpointAsTheWALGrows(pages: walCheckpointPages)
        try database.transaction {
            try SQLiteSchema.prepare(database, path: path)
            try Self.claim(database, path: path, owner: "shard \(index) (slots \(slots))")
        }
        try SQLiteSchema.finishCopyingVersion2Tables(database)
        // An older database, when small enough, gains incremental vacuum now; a larger one is
        // tried again once idle after large deletes (`reclaimSpaceStep`). Free pages found
        // at open (left by deletes before the conversion, or before a restart) are owed back.
        _ = try Self.convertToIncrementalVacuum(database, upToPages: convertByVacuumUpToPages)
        reclaim = ReclaimSchedule(owing: Int(try database.scalar("PRAGMA freelist_count")) >= Self.reclaimPagesPerStep)
        self.database = database
        writes = try ImportStatements(database)
        let statements = StatementCache(database)
        deletes = try SQLiteDeleteStatements(database, statements: statements)
        restores = try SQLiteRestoreStatements(database, statements: statements)
        self.statements = statements
        // Last, after everything that can throw: a thrown init runs no deinit to stop it.
        executor = ThreadExecutor(name: "shard-\(index)-store", niceness: ThreadExecutor.bulkWorkNiceness)
    }

    deinit { executor.shutdown() }

    /// Truncates the WAL when nothing was written since the last call and something was since
    /// the last truncation: called every second, it restarts the WAL from nothing once writes
    /// pause. It does not wait for readers: one still on an old snapshot defers it to the next call.
    /// True when it truncated.
    @discardableResult
    func checkpointIfIdle() throws -> Bool {
        let changes = database.totalChanges
        defer { changesSeen = changes }
        guard changes == changesSeen, changes != changesCheckpointed else { return false }
        guard try database.checkpoint(truncating: true, waitForReaders: false) else { return false }
        changesCheckpointed = changes
        return true
    }

    /// Truncates the WAL before the process exits, waiting for readers (`busy_timeout`), and lets
    /// the next process for this partition in. Nothing may be written after it.
    func close() throws {
        defer { lock.release() }
        try database.checkpoint(truncating: true, waitForReaders: true)
    }

    /// Records who owns a new database, and refuses one that belongs to someone else.
    private static func claim(_ database: SQLiteDatabase, path: String, owner: String) throws {
        let read = try database.prepare("SELECT value FROM meta WHERE key = 'owner'")
        if try read.step() {
            let found = read.text(0)
            guard found == owner else { throw StoreError.foreignDatabase(path: path, found: found, expected: owner) }
        } else {
            try database.prepare("INSERT INTO meta (key, value) VALUES ('owner', ?)").run([.text(owner)])
            try database.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run([.text("\(SQLiteSchema.version)")])
        }
    }

    // MARK: - Import

    /// The records of `batch`, decoded here on the writer's thread: at its lower priority,
    /// a read that arrives meanwhile goes first.
    func records(of batch: ImportBatch) throws -> [ImportRecord] { try batch.records() }

    /// Writes the records of `records` from `start` on, as many as the last imports show
    /// take about `BatchSizer.target`, in one transaction; where the next chunk starts. The
    /// caller comes back for each chunk, so a delete batch or another import can go between.
    func importChunk(org: String, _ records: [ImportRecord], from start: Int, version: Int64) throws -> (counts: ImportCounts, next: Int) {
        let chunk = try importSizer.writeChunk(of: records, from: start) { try importRecords(org: org, Array($0), version: version) }
        reclaim.wrote(at: .now)
        return (chunk.written, chunk.next)
    }

    /// Writes `records` in one transaction: a contact replaces its earlier
    /// version together with its conversations and messages. Every row takes
    /// `version`, the batch's stamp from the coordinator's cluster-wide clock,
    /// which orders it against every job's snapshot.
    func importRecords(org: String, _ records: [ImportRecord], version: Int64) throws -> ImportCounts {
        try slots.requireOwning(records)
        try database.transaction { try writes.write(records, org: org, version: version) }
        return ImportCounts(counting: records)
    }
}
