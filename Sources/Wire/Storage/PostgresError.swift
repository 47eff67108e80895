/// A failed libpq call: what was attempted, the server's SQLSTATE (empty when
/// the failure was the connection's, not a statement's) and its message.
package struct PostgresError: Error, Equatable, CustomStringConvertible {
    package let operation: String
    package let sqlState: String
    package let message: String

    package init(operation: String, sqlState: String, message: String) {
        self.operation = operation
        self.sqlState = sqlState
        self.message = message
    }

    package var description: String {
        "postgres \(operation): \(message)" + (sqlState.isEmpty ? "" : " (SQLSTATE \(sqlState))")
    }

    /// What a failure says about the database, sorted as `SQLiteError.Fault` sorts SQLite's,
    /// with one more: the server went away.
    package enum Fault: Equatable, Sendable {
        /// No connection, or it broke (class 08, the server shutting down or starting: 57P01–57P03).
        case connection
        /// A lock or a serialisation conflict (40001, 40P01, 55P03): it may be released.
        case locked
        /// Out of disk, memory or connections (class 53), or a failed read or write (58030).
        case storage
        /// Damaged data or index (XX001, XX002): retrying cannot help.
        case corrupt
        /// One row broke a rule (class 23) or a value does not fit (class 22).
        case record
        /// Anything else (a syntax error, a missing table): retrying cannot help.
        case other
    }

    package var fault: Fault {
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

    /// The statement was stopped by `statement_timeout` or a cancel (57014).
    package var isCancelled: Bool { sqlState == "57014" }

    /// True when the same statement may succeed later without anyone changing the database.
    package var isTransient: Bool { fault == .connection || fault == .locked || fault == .storage }
}
