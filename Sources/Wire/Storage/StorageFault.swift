/// What a failed database call says about the database, whichever engine it is:
/// for whoever decides to retry, to narrow a batch down, or to give up.
package enum StorageFault: Equatable, Sendable {
    /// Another connection holds a lock, or transactions conflicted: it may be released.
    case locked
    /// The disk is full or failed a read or write: space may be freed, the device may recover.
    case storage
    /// The server is unreachable, or the connection to it broke: it may come back.
    case connection
    /// The data is damaged or is not a database: retrying cannot help.
    case corrupt
    /// One row broke a rule or a value does not fit: the same statement over other rows may succeed.
    case record
    /// Anything else (misuse, a missing table): not the storage's doing, and retrying cannot help.
    case other

    /// True when the same statement may succeed later without anyone changing the database.
    package var isTransient: Bool { self == .locked || self == .storage || self == .connection }
}

/// An error from a database engine, sorted into a `StorageFault`.
package protocol StorageFailure: Error {
    var fault: StorageFault { get }
    /// The engine's own words, without the statement (for a record set aside as failed).
    var message: String { get }
}

extension StorageFailure {
    package var isTransient: Bool { fault.isTransient }
}
