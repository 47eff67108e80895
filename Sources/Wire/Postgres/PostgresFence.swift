package import StorageDriver
#if canImport(Glibc)
import Glibc
#endif

/// The one writer of a PostgreSQL database (a shard's partition, a cluster's registry): the
/// session that holds a session advisory lock on `key`, and no other.
///
/// Taking the lock at open refuses a second process. That alone does not fence: a writer whose
/// session died (the server restarted, a network cut) loses the lock with it, another process
/// may take it meanwhile, and the first must then never write again. So a new session of the
/// writer takes the lock again or is abandoned (every statement refused until the next
/// reconnection, which tries again), and every write transaction first proves, inside itself,
/// that its session holds the lock (`prove`). A session's lock cannot be lost while the session
/// lives, so a transaction that proved it commits only as the one writer.
package struct PostgresFence: Sendable {
    /// The first key of every tether-bulk advisory lock, so that they keep clear of others' locks.
    package static let namespace: Int32 = 0x7465_7468  // "teth"

    /// The second key: a shard's index, or `registryKey`.
    package let key: Int32
    /// What the lock guards, for messages ("shard 2's partition").
    package let guarded: String

    /// The keys of the registry's and the event log's locks: below every shard's index, which count from 0.
    package static let registryKey: Int32 = -1
    package static let eventLogKey: Int32 = -2

    package init(key: Int32, guarded: String) {
        self.key = key
        self.guarded = guarded
    }

    /// Takes the lock for `connection`'s session; false when another session holds it.
    package func take(on connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT pg_try_advisory_lock($1, $2)", [.integer(Int64(Self.namespace)), .integer(Int64(key))]).text(0, 0) == "t"
    }

    /// Takes the lock, trying again every 100 ms for up to `patience` while another session holds
    /// it (one whose process just stopped lets go a moment later); false when it still does.
    package func take(on connection: PostgresConnection, waitingUpTo patience: Duration) throws -> Bool {
        let deadline = ContinuousClock.now + patience
        while try !take(on: connection) {
            guard ContinuousClock.now < deadline else { return false }
            usleep(100_000)
        }
        return true
    }

    /// Runs `body`, first connecting again, lock first, when the connection broke.
    package func connected<T>(_ connection: PostgresConnection, _ body: () throws -> T) throws -> T {
        if !connection.isConnected { try reconnect(connection) }
        return try body()
    }

    /// Connects `connection` again and takes the lock on the new session; when another holds it
    /// by now, the session is abandoned and this throws `PostgresFenceError`, as it will at each
    /// try until the lock is this process's again.
    package func reconnect(_ connection: PostgresConnection) throws {
        try connection.reconnect()
        guard try take(on: connection) else {
            let error = PostgresFenceError(guarded: guarded, target: connection.target)
            connection.abandon(because: error.message)
            throw error
        }
    }

    /// Throws `PostgresFenceError` (and abandons the session) unless `connection`'s session holds
    /// the lock. Run first in every write transaction. A look at `pg_locks` for this backend's
    /// own lock: no lock taken, a few microseconds beside a batch's milliseconds.
    package func prove(on connection: PostgresConnection) throws {
        let held = try connection.scalar(Self.heldByThisSession, [.integer(Int64(Self.namespace)), .integer(Int64(key))])
        guard held == 1 else {
            let error = PostgresFenceError(guarded: guarded, target: connection.target)
            connection.abandon(because: error.message)
            throw error
        }
    }

    /// Runs `body` in one transaction that first proves this session holds the lock: every write
    /// of a fenced store goes through here, so only its one writer commits.
    @discardableResult
    package func write<T>(on connection: PostgresConnection, _ body: () throws -> T) throws -> T {
        try connection.transaction {
            try prove(on: connection)
            return try body()
        }
    }

    /// Lets the next writer in before this session ends (a clean stop).
    package func release(on connection: PostgresConnection) throws {
        try connection.query("SELECT pg_advisory_unlock($1, $2)", [.integer(Int64(Self.namespace)), .integer(Int64(key))])
    }

    /// A two-key advisory lock is listed with its keys as `classid` and `objid` (as oids, so a
    /// negative key is compared as its unsigned 32 bits) and `objsubid` 2.
    private static let heldByThisSession = """
        SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 2
            AND classid = ($1::bigint & 4294967295)::text::oid AND objid = ($2::bigint & 4294967295)::text::oid
        """
}

/// A writer found that its session does not hold its database's lock (it lost the session and
/// another process took the lock meanwhile): nothing was written. A connection fault, so callers
/// pause and try again, reconnecting, and resume only once the lock is theirs again.
package struct PostgresFenceError: StorageFailure, Equatable, CustomStringConvertible {
    let guarded: String
    let target: String

    package var fault: StorageFault { .connection }
    package var message: String {
        "fenced: this process no longer holds the lock on \(guarded) in \(target) (another process took it over), so it wrote nothing;"
            + " it tries again, and writes only once it holds the lock again"
    }
    package var description: String { message }
}
