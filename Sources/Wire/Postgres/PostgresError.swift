package import StorageDriver

/// A failed libpq call: what was attempted, the server's SQLSTATE (empty when
/// the failure was the connection's, not a statement's) and its message.
package struct PostgresError: StorageFailure, Equatable, CustomStringConvertible {
    package let operation: String
    package let sqlState: String
    package let message: String

    package init(operation: String, sqlState: String, message: String) {
        self.operation = operation
        self.sqlState = sqlState
        self.message = message
    }

    package var description: String {
        "postgres \(operation): \(message)" + (sqlState.isEmpty ? "" : " (SQLSTATE \(sqlState))") + (isLockTimeout ? Self.lockTimeoutAdvice : "")
    }

    /// No connection, or it broke (class 08, the server shutting down or starting: 57P01–57P03);
    /// a lock or a serialisation conflict (40001, 40P01, 55P03); out of disk, memory or
    /// connections (class 53) or a failed read or write (58030); damaged data or index (XX001,
    /// XX002); one row breaking a rule (class 23) or a value that does not fit (class 22).
    package var fault: StorageFault {
        let stateClass = sqlState.prefix(2)
        switch sqlState {
        case "": return .connection
        case "57P01", "57P02", "57P03": return .connection
        case "40001", "40P01", "55P03": return .locked
        case "58030": return .storage
        case "XX001", "XX002": return .corrupt
        default: break
        }
        switch stateClass {
        case "08": return .connection
        case "53": return .storage
        case "23", "22": return .record
        default: return .other
        }
    }

    /// A wait for another session's lock outlasted `lock_timeout` (55P03 with that message; the
    /// same state also answers a `NOWAIT` that found the lock taken).
    package var isLockTimeout: Bool { sqlState == "55P03" && message.contains("lock timeout") }

    private static let lockTimeoutAdvice =
        "; another session held a lock this writer needs for longer than its lock_timeout (\(PostgresWriterSession.lockTimeout)):"
        + " look for a long transaction or a manual LOCK in pg_stat_activity"

    /// The statement was stopped by `statement_timeout` or a cancel (57014).
    package var isCancelled: Bool { sqlState == "57014" }

}
