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
    /// Forgets rows created before `cutoff`; how many went.
    func prune(createdBefore cutoff: Int64) throws -> Int
    /// Forgets `org`'s rows but its newest `keeping`; how many went. Cheap for an org within the
    /// bound (one walk of at most `keeping` entries of its index), as it runs while a job logs.
    func trim(org: String, keeping: Int64) throws -> Int
    /// Every org with rows kept, each once.
    func orgs() throws -> [String]
}

/// The statements both engines run alike, written once.
enum EventStorageSQL {
    /// Deletes the rows of the org bound to `org` older than its newest `keeping` (both parameter markers): a walk back of
    /// `keeping` entries of `events_by_org`, then a range of it; nothing when the org has no more.
    static func trim(orgParameter org: String, keepingParameter keeping: String) -> String {
        "DELETE FROM events WHERE org = \(org) AND seq <= (SELECT seq FROM events WHERE org = \(org) ORDER BY seq DESC LIMIT 1 OFFSET \(keeping))"
    }

    /// Each org once, by hopping from one to the next along `events_by_org` (one seek an org, not a scan of every row).
    static let orgs = """
        WITH RECURSIVE o(org) AS (
            SELECT min(org) FROM events
            UNION ALL SELECT (SELECT min(org) FROM events WHERE org > o.org) FROM o WHERE o.org IS NOT NULL)
        SELECT org FROM o WHERE org IS NOT NULL
        """
}
