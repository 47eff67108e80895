/// Why a shard process ended on its own, told to the coordinator by its exit
/// status, so the supervisor can tell a fault that a restart may cure from one
/// it cannot.
///
/// The codes are those of sysexits(3), so an operator who reads `exit code 75`
/// in a log can look it up.
package enum ShardExit: Int32, Sendable, CaseIterable {
    /// Anything not named below.
    case failure = 1
    /// Its database is damaged or is not a SQLite database (EX_DATAERR).
    case corruptDatabase = 65
    /// Its database could not be read or written: I/O error, full disk, no access (EX_IOERR).
    case storageUnavailable = 74
    /// Another process holds its database's lock (EX_TEMPFAIL).
    case databaseLocked = 75
    /// Its database belongs to another shard or slot range, or its options are wrong (EX_CONFIG).
    case misconfigured = 78

    /// The exit a process status stands for; nil for a death by signal.
    package init?(waitStatus status: Int32) {
        guard status & 0x7F == 0 else { return nil }
        self = ShardExit(rawValue: (status >> 8) & 0xFF) ?? .failure
    }

    /// False when starting the same process on the same files again must end the same way.
    package var restartMayHelp: Bool {
        switch self {
        case .failure, .storageUnavailable, .databaseLocked: true
        case .corruptDatabase, .misconfigured: false
        }
    }

    /// The explanation with its code; without it for `.failure`, which stands for any
    /// code not listed (the supervisor's log has the real one).
    package var explanationWithCode: String {
        self == .failure ? explanation : "\(explanation) (exit code \(rawValue))"
    }

    /// What happened, in words for a log line or a job's error.
    package var explanation: String {
        switch self {
        case .failure: "it failed"
        case .corruptDatabase: "its database is corrupt or not a SQLite database"
        case .storageUnavailable: "its database could not be read or written (I/O error or full disk)"
        case .databaseLocked: "its database is locked by another process"
        case .misconfigured: "its database belongs to another shard or slot range, or its options are wrong"
        }
    }
}
