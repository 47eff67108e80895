import Wire

/// Where a slice stands on this shard, as its checkpoint row keeps it: one value, so a slice
/// can never be stored both running and cancelled. A failure is not among them: the coordinator
/// keeps that (`SliceOutcome.failed`), a shard only reports it.
///
/// Stored as its raw value, a small integer, on both engines: the values must never change.
enum SliceStatus: Int64 {
    /// Work left; more batches follow.
    case running = 0
    /// Everything that matched was processed (deleted, skipped or failed record by record).
    case finished = 1
    /// Stopped at a batch boundary by a cancel, with work left; a tombstone is one too.
    case cancelled = 2

    /// True once the slice does nothing more.
    var isFinal: Bool { self != .running }

    /// How the shard reports it.
    var outcome: SliceOutcome {
        switch self {
        case .running: .running
        case .finished: .finished
        case .cancelled: .cancelled
        }
    }

    /// The SQL that turns the two flags of a checkpoint row before its status column (SQLite's
    /// schema 4, PostgreSQL's 2) into the status, given each engine's test of a set flag: a
    /// cancelled slice was also marked finished, so `cancelled` decides first.
    static func fromFlags(finished: String, cancelled: String) -> String {
        "CASE WHEN \(cancelled) THEN \(Self.cancelled.rawValue) WHEN \(finished) THEN \(Self.finished.rawValue) ELSE \(Self.running.rawValue) END"
    }
}
