import Dispatch
import PostgresDriver
import Synchronization

/// `VACUUM (ANALYZE)` of the tables a delete (or a restore, or a purge of kept
/// rows) leaves dead rows in, then a rebuild of their indexes where it left them
/// mostly empty, on a connection and a thread of its own.
///
/// A large delete leaves PostgreSQL's tables full of dead rows until they are
/// vacuumed: every count of the org then reads each dead row again, and after a
/// million-contact delete `GET /api/contacts/stats` ran past its read budget.
/// Autovacuum comes round only after its nap (a minute by default), so the shard
/// asks for it once its writes pause. Not on the writer's connection: vacuuming
/// millions of rows takes seconds, and another tenant's import or delete must
/// not wait for it (VACUUM does not block their writes). Paced (`costLimit`
/// every `costDelay`, five times autovacuum's pace) so that it does not take the
/// cores from the other tenants' reads. At most one runs at a time; a failure is
/// handed to the next `start`, which throws it, so the shard's housekeeping loop
/// logs it.
///
/// Disk: VACUUM returns a table's empty tail pages to the file system (it truncates
/// the table, taking its exclusive lock only when no one else holds one, and only for
/// as long as no one waits), but never an index's: a B-tree keeps its size. So a
/// table whose indexes take more than twice the table (and `reindexFloorBytes`) is
/// given new indexes by `REINDEX TABLE CONCURRENTLY`, which lets every other
/// tenant read and write meanwhile. VACUUM FULL would return more, but holds an
/// ACCESS EXCLUSIVE lock on the table, for every tenant, for the whole rewrite.
final class PostgresMaintenance: Sendable {
    private let connectionString: String
    private let running = Atomic<Bool>(false)
    private let failure = Mutex<PostgresError?>(nil)
    private let freed = Atomic<Int>(0)
    private let queue = DispatchQueue(label: "postgres-maintenance")

    /// The tables deletes, restores and purges leave dead rows in.
    static let tables = ["contacts", "applications", "conversations", "messages", "event_outbox"] + PostgresKeptTable.all.map(\.kept)
    static let statement = "VACUUM (ANALYZE) \(tables.joined(separator: ", "))"
    /// The vacuum's pace, in PostgreSQL's cost units (a page read from the cache costs 1, dirtied 20).
    static let costLimit = 1_000
    static let costDelay = "2ms"
    /// Index bytes below which a table's indexes are never rebuilt, however small the table: a
    /// rebuild reads the table twice, which is not worth a MiB of disk.
    static let reindexFloorBytes = 1 << 20

    /// The tables' size on disk, indexes and TOAST included.
    static let tablesSize = "SELECT sum(pg_total_relation_size(t::regclass))::bigint FROM unnest($1::text[]) t"
    /// The tables whose indexes take more than twice the table, and more than `reindexFloorBytes`.
    static let bloatedIndexes = """
        SELECT t FROM unnest($1::text[]) t
        WHERE pg_indexes_size(t::regclass) > greatest(2 * pg_table_size(t::regclass), $2)
        """

    init(connectionString: String) {
        self.connectionString = connectionString
    }

    /// Starts a vacuum unless one is running; whether it started. Throws what the last one failed with.
    func start() throws -> Bool {
        if let failed = failure.withLock({ failed in defer { failed = nil }; return failed }) { throw failed }
        guard running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return false }
        queue.async { [self] in
            defer { running.store(false, ordering: .releasing) }
            do {
                let connection = try PostgresConnection(connectionString)
                let tables: [PostgresValue] = [.texts(Self.tables)]
                let sizeBefore = try connection.scalar(Self.tablesSize, tables)
                // Separate statements: a VACUUM may not run inside the transaction that one multi-statement string is.
                try connection.execute("SET vacuum_cost_delay = '\(Self.costDelay)'")
                try connection.execute("SET vacuum_cost_limit = \(Self.costLimit)")
                try connection.execute(Self.statement)
                let bloated = try connection.query(Self.bloatedIndexes, tables + [.integer(Int64(Self.reindexFloorBytes))])
                for row in 0..<bloated.count { try connection.execute("REINDEX TABLE CONCURRENTLY \(bloated.text(row, 0))") }
                let sizeAfter = try connection.scalar(Self.tablesSize, tables)
                freed.add(Int(max(0, sizeBefore - sizeAfter)), ordering: .relaxed)
            } catch let error as PostgresError {
                failure.withLock { $0 = error }
            } catch {
                failure.withLock { $0 = PostgresError(operation: Self.statement, sqlState: "", message: "\(error)") }
            }
        }
        return true
    }

    /// The bytes the finished maintenance runs took off the tables since the last call.
    func takeFreedBytes() -> Int {
        freed.exchange(0, ordering: .relaxed)
    }
}
