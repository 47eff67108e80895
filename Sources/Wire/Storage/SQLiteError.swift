import CSystem

/// A failed SQLite call: what was attempted, SQLite's result code and message.
package struct SQLiteError: Error, Equatable, CustomStringConvertible {
    package let operation: String
    package let code: Int32
    package let message: String

    package init(operation: String, code: Int32, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    package var description: String { "sqlite \(operation): \(message) (code \(code))" }

    /// What a failure says about the database, for whoever decides to retry or give up.
    package enum Fault: Equatable, Sendable {
        /// Another connection holds a lock (SQLITE_BUSY, SQLITE_LOCKED): it may be released.
        case locked
        /// The disk is full or failed a read or write (SQLITE_FULL, SQLITE_IOERR,
        /// SQLITE_CANTOPEN): space may be freed, the device may recover.
        case storage
        /// The file is damaged or is not a database (SQLITE_CORRUPT, SQLITE_NOTADB): retrying cannot help.
        case corrupt
        /// One row broke a rule (SQLITE_CONSTRAINT, SQLITE_TOOBIG, SQLITE_MISMATCH):
        /// the same statement over other rows may succeed.
        case record
        /// Anything else (misuse, a missing table): not the storage's doing, and retrying cannot help.
        case other
    }

    package var fault: Fault {
        // Extended codes carry the primary code in their low byte (SQLITE_IOERR_WRITE & 0xFF == SQLITE_IOERR).
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

    /// True when the same statement may succeed later without anyone changing the database.
    package var isTransient: Bool { fault == .locked || fault == .storage }
}
