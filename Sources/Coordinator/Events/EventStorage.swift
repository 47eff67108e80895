import Wire

/// One event as the log stores it.
struct EventRow {
    let org: String
    /// `EventLog.Kind`'s raw value.
    let kind: Int64
    /// Where a shard's event came from, (shard, its outbox seq): unique, so a redelivery is known.
    let origin: (shard: UInt32, seq: Int64)?
    let payload: [UInt8]
    let createdAt: Int64
}

/// Where the event log keeps its rows: a SQLite file (`SQLiteEventStorage`) or a PostgreSQL
/// database (`PostgresEventStorage`). Each row's `seq` is its id: unique, ordered, never reused.
protocol EventStorage {
    /// Logs `rows` in one transaction, in order; the seq of each, or, for one logged before
    /// (the same origin), the seq it got then.
    func append(_ rows: [EventRow]) throws -> [UInt64]
    /// `org`'s rows after `after`, oldest first, at most `limit`: (seq, kind, payload).
    func page(org: String, after: Int64, limit: Int) throws -> [(seq: UInt64, kind: Int64, payload: [UInt8])]
    /// The highest seq kept (0 when empty).
    func head() throws -> UInt64
    /// Forgets rows created before `cutoff`, and every row but the newest `keeping`; how many went.
    func prune(createdBefore cutoff: Int64, keeping: Int64) throws -> Int
}
