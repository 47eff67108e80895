import Dispatch
import Synchronization
import Wire

/// `VACUUM (ANALYZE)` of the tables a delete leaves dead rows in, on a connection
/// and a thread of its own.
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
final class PostgresMaintenance: Sendable {
    private let connectionString: String
    private let running = Atomic<Bool>(false)
    private let failure = Mutex<PostgresError?>(nil)
    private let queue = DispatchQueue(label: "postgres-maintenance")

    static let statement = "VACUUM (ANALYZE) contacts, applications, conversations, messages, event_outbox"
    /// The vacuum's pace, in PostgreSQL's cost units (a page read from the cache costs 1, dirtied 20).
    static let costLimit = 1_000
    static let costDelay = "2ms"

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
                // Separate statements: a VACUUM may not run inside the transaction that one multi-statement string is.
                try connection.execute("SET vacuum_cost_delay = '\(Self.costDelay)'")
                try connection.execute("SET vacuum_cost_limit = \(Self.costLimit)")
                try connection.execute(Self.statement)
            } catch let error as PostgresError {
                failure.withLock { $0 = error }
            } catch {
                failure.withLock { $0 = PostgresError(operation: Self.statement, sqlState: "", message: "\(error)") }
            }
        }
        return true
    }
}
