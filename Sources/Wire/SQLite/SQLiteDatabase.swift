#if canImport(Glibc)
import Glibc
#endif
import CSQLite
package import StorageDriver

/// One SQLite connection, confined to the thread of the actor that owns it.
///
/// Shared by the shards (their partitions) and the coordinator (its job
/// registry); neither shares a handle across threads.
package final class SQLiteDatabase: TransactionalDatabase {
    private let handle: OpaquePointer
    package let path: String

    /// Opens (creating when absent) the database at `path`.
    package init(path: String) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw SQLiteError(operation: "open \(path)", code: code, message: message)
        }
        self.handle = handle
        self.path = path
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    /// When the statement running now must stop (CLOCK_MONOTONIC nanoseconds; 0: never).
    /// Read by the progress handler on this connection's own thread only.
    private final class Deadline {
        var nanoseconds: UInt64 = 0
    }

    private let deadline = Deadline()

    /// Runs `body` with every statement it steps stopped, with SQLITE_INTERRUPT,
    /// once `budget` has passed: a read that outlives its caller's patience
    /// must not hold the connection, and every other tenant's request, behind it.
    package func withTimeBudget<T>(_ budget: Duration, _ body: () throws -> T) throws -> T {
        deadline.nanoseconds = Self.monotonicNanoseconds() + UInt64(budget.components.seconds) * 1_000_000_000
            + UInt64(budget.components.attoseconds / 1_000_000_000)
        // Every 10,000 virtual machine steps: about a millisecond of work between checks.
        sqlite3_progress_handler(handle, 10_000, { context in
            guard let context else { return 0 }
            let deadline = Unmanaged<Deadline>.fromOpaque(context).takeUnretainedValue()
            return SQLiteDatabase.monotonicNanoseconds() > deadline.nanoseconds ? 1 : 0
        }, Unmanaged.passUnretained(deadline).toOpaque())
        defer {
            sqlite3_progress_handler(handle, 0, nil, nil)
            deadline.nanoseconds = 0
        }
        return try body()
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Runs one or more statements that return no rows.
    package func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &error)
        guard code == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(error)
            throw SQLiteError(operation: "exec \(sql.prefix(80))", code: code, message: message)
        }
    }

    package func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw SQLiteError(operation: "prepare \(sql.prefix(120))", code: code, message: lastMessage)
        }
        return SQLiteStatement(statement, database: self)
    }

    package static let beginTransaction = "BEGIN IMMEDIATE"

    /// Runs the reads of `body` on one snapshot: a deferred transaction, ended (rolled back,
    /// since it wrote nothing) however `body` ends, so the snapshot never outlives the read.
    package func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN DEFERRED")
        defer { try? execute("ROLLBACK") }
        return try body()
    }

    /// The first column of the first row of `sql`, as an integer (0 when there is no row).
    package func scalar(_ sql: String, _ bindings: [SQLValue] = []) throws -> Int64 {
        let statement = try prepare(sql)
        try statement.bind(bindings)
        return try statement.step() ? statement.integer(0) : 0
    }

    package var changes: Int { Int(sqlite3_changes(handle)) }

    /// Rows changed by this connection since it opened: whether it wrote anything between two looks.
    package var totalChanges: Int { Int(sqlite3_total_changes64(handle)) }

    /// Checkpoints after each commit that leaves the WAL at its threshold or more: PASSIVE
    /// (never waiting) at first, and RESTART from twice that, waiting up to the busy timeout
    /// for readers on older snapshots to finish. Readers that keep coming can each pin the
    /// WAL for a moment; without the RESTART, the moments overlap and it never starts over.
    /// Replaces SQLite's `wal_autocheckpoint`, which only ever checkpoints PASSIVE.
    ///
    /// The threshold is `walThreshold`: a quarter of the database, within `pages`. The WAL
    /// file keeps its largest size until it is truncated, so it stays about half the database
    /// at most, and the files within twice what they hold; a fixed threshold would let a small
    /// database's WAL grow as large as the database itself (docs/benchmarks.md).
    package func checkpointAsTheWALGrows(pages: ClosedRange<Int>) {
        let bounds = UInt(pages.lowerBound) << 32 | UInt(pages.upperBound)
        sqlite3_wal_hook(handle, { context, connection, name, frames in
            let bounds = UInt(bitPattern: context)
            let pages = Int(bounds >> 32)...Int(bounds & 0xFFFF_FFFF)
            let threshold = SQLiteDatabase.walThreshold(databaseBytes: SQLiteDatabase.fileSize(connection, name), within: pages)
            guard frames >= threshold else { return SQLITE_OK }
            let mode = frames >= 2 * threshold ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE
            // A checkpoint held up by readers is tried again after the next commit.
            _ = sqlite3_wal_checkpoint_v2(connection, name, mode, nil, nil)
            return SQLITE_OK
        }, UnsafeMutableRawPointer(bitPattern: bounds))
    }

    /// WAL frames past which a commit checkpoints: a quarter of the database's pages (SQLite's
    /// default 4 KiB, which the stores keep), within `pages`.
    package static func walThreshold(databaseBytes: Int64, within pages: ClosedRange<Int>) -> Int32 {
        Int32(min(max(Int(databaseBytes / 4096 / 4), pages.lowerBound), pages.upperBound))
    }

    /// The size of the database file `name` of `connection`, asked of its file handle: called
    /// from the WAL hook, where running a statement on the connection is not allowed.
    private static func fileSize(_ connection: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> Int64 {
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(connection, name, SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK,
              let file, let fileSize = file.pointee.pMethods?.pointee.xFileSize else { return 0 }
        var size: sqlite3_int64 = 0
        return fileSize(file, &size) == SQLITE_OK ? size : 0
    }

    /// Copies the WAL's frames into the database and, `truncating`, empties the WAL file. True
    /// when it completed; false when a reader on an older snapshot (or another writer) held it
    /// up, which it waits for, up to the busy timeout, only when `waitForReaders`.
    @discardableResult
    package func checkpoint(truncating: Bool, waitForReaders: Bool) throws -> Bool {
        let mode = truncating ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE
        let busyTimeout = Int32(clamping: try scalar("PRAGMA busy_timeout"))
        if !waitForReaders { sqlite3_busy_timeout(handle, 0) }
        defer { sqlite3_busy_timeout(handle, busyTimeout) }
        let code = sqlite3_wal_checkpoint_v2(handle, nil, mode, nil, nil)
        if code == SQLITE_BUSY { return false }
        guard code == SQLITE_OK else { throw SQLiteError(operation: "wal_checkpoint", code: code, message: lastMessage) }
        return true
    }

    /// The rowid of the last row an INSERT on this connection added.
    package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }
}
