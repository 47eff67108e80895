import Dispatch
import Synchronization
import Wire

/// `VACUUM (ANALYZE)` of a shard's tables, on a connection and a thread of its own.
///
/// A large delete leaves PostgreSQL's tables full of dead rows until they are
/// vacuumed: every count of the org then reads each dead row again, and after a
/// million-contact delete `GET /api/contacts/stats` ran past its read budget.
/// Autovacuum comes round only after its nap (a minute by default), so the shard
/// asks for it once its writes pause. Not on the writer's connection: vacuuming
/// millions of rows takes seconds, and another tenant's import or delete must
/// not wait for it (VACUUM does not block their writes). At most one runs at a
/// time; a failure is handed to the next `start`, which throws it, so the
/// shard's housekeeping loop logs it.
final class PostgresMaintenance: Sendable {
    private let connectionString: String
    private let running = Atomic<Bool>(false)
    private let failure = Mutex<PostgresError?>(nil)
    private let queue = DispatchQueue(label: "postgres-maintenance")

    static let statement = "VACUUM (ANALYZE) contacts, applications, conversations, messages, audit_entries, notifications, event_outbox"

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
                try PostgresConnection(connectionString).execute(Self.statement)
            } catch let error as PostgresError {
                failure.withLock { $0 = error }
            } catch {
                failure.withLock { $0 = PostgresError(operation: Self.statement, sqlState: "", message: "\(error)") }
            }
        }
        return true
    }

    /// Whether a vacuum is running now.
    var isRunning: Bool { running.load(ordering: .acquiring) }
}
