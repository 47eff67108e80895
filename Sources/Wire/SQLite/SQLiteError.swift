import CSQLite
package import StorageDriver

/// A failed SQLite call: what was attempted, SQLite's result code and message.
package struct SQLiteError: StorageFailure, Equatable, CustomStringConvertible {
    package let operation: String
    package let code: Int32
    package let message: String

    package init(operation: String, code: Int32, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    package var description: String { "sqlite \(operation): \(message) (code \(code))" }

    /// Extended codes carry the primary code in their low byte (SQLITE_IOERR_WRITE & 0xFF == SQLITE_IOERR):
    /// busy and locked, full, I/O and can't-open, corrupt and not-a-database, constraint, too-big and mismatch.
    package var fault: StorageFault {
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED: .locked
        case SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN: .storage
        case SQLITE_CORRUPT, SQLITE_NOTADB: .corrupt
        case SQLITE_CONSTRAINT, SQLITE_TOOBIG, SQLITE_MISMATCH: .record
        default: .other
        }
    }

    /// The statement was stopped by a time budget (`SQLiteDatabase.withTimeBudget`).
    package var isInterrupted: Bool { code & 0xFF == SQLITE_INTERRUPT }
}
