/// The time-outs every writing session (a shard's writer, the coordinator's registry and event
/// log) runs under, set again on each new session: without them a writer stuck behind another
/// session's lock, or in a statement gone wrong, holds its shard (and, through its locks, every
/// tenant on it) for as long as the server lets it.
package enum PostgresWriterSession {
    /// A statement stopped after this long: far above what one statement should take (a delete
    /// batch or import chunk is sized to about 100 ms, an import COPY moves at most 2 MiB), so only
    /// a statement gone wrong reaches it, yet short enough that a shard is back within a minute.
    package static let statementTimeout: Duration = .seconds(60)
    /// A wait for another session's lock stopped after this long: writers' own transactions last
    /// milliseconds, so a wait this long means someone else (a manual `LOCK`, a long transaction
    /// in psql) holds the table, and the batch fails (`55P03`, a `.locked` fault) and is retried
    /// with back-off rather than hanging.
    package static let lockTimeout: Duration = .seconds(5)

    /// The statements that set them on a new session.
    package static let setup = "SET statement_timeout = \(milliseconds(statementTimeout)); SET lock_timeout = \(milliseconds(lockTimeout))"

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
