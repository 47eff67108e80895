import Foundation
import Wire

/// Every socket event of the cluster, kept in `DIR/events.db` for the replay
/// window, so that `Last-Event-ID` replays what a subscriber missed across a
/// restart of the gateway or of the coordinator.
///
/// A shard's events are logged before the shard is told it may forget them
/// (at-least-once); an event delivered twice keeps the place it got the first
/// time, (shard, seq) being unique. Each event's `seq` is its id: unique,
/// ordered, the same for every subscriber. Job documents are logged too, as
/// `bulk_job_progress` events, so their ids are of the same order.
///
/// Runs on its own thread (a `ThreadExecutor`), so appending never takes a
/// cooperative-pool thread; every append is handed, in order, to `onAppend`.
actor EventLog {
    private let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let database: SQLiteDatabase
    private let insert: SQLiteStatement
    private let existing: SQLiteStatement
    private let page: SQLiteStatement
    private let onAppend: @Sendable ([LoggedEvent]) -> Void

    /// How long an event stays replayable.
    static let retention: Duration = .seconds(3_600)
    /// How many events the log keeps at most, whatever their age.
    static let maxEvents: Int64 = 2_000_000

    private enum Kind: Int64 {
        case contactRemoved = 1
        case jobProgress = 2
    }

    init(path: String, onAppend: @escaping @Sendable ([LoggedEvent]) -> Void = { _ in }) throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=1000")
        // AUTOINCREMENT: a pruned log must never hand out an id again.
        try database.execute("""
            CREATE TABLE IF NOT EXISTS events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                org TEXT NOT NULL,
                kind INTEGER NOT NULL,
                shard INTEGER,
                shard_seq INTEGER,
                payload BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                UNIQUE (shard, shard_seq)
            );
            CREATE INDEX IF NOT EXISTS events_by_org ON events (org, seq);
            """)
        insert = try database.prepare(
            "INSERT INTO events (org, kind, shard, shard_seq, payload, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
        existing = try database.prepare("SELECT seq FROM events WHERE shard = ? AND shard_seq = ?")
        page = try database.prepare("SELECT seq, kind, payload FROM events WHERE org = ? AND seq > ? ORDER BY seq LIMIT ?")
        self.database = database
        self.onAppend = onAppend
        // Last, after everything that can throw: a thrown init runs no deinit to stop it.
        executor = ThreadExecutor(name: "event-log")
    }

    deinit { executor.shutdown() }

    /// Logs a shard's published events in one transaction; ones logged before keep their place.
    @discardableResult
    func append(_ events: [OutboxEvent]) throws -> [LoggedEvent] {
        let now = Self.now()
        let logged = try database.transaction {
            try events.map { event in
                let bytes = Array(event.payload.utf8)
                let seq = try add(org: event.org, kind: .contactRemoved, shard: event.shard, shardSeq: event.seq, payload: bytes, at: now)
                return LoggedEvent(seq: seq, org: event.org, body: .contactRemoved(json: event.payload))
            }
        }
        onAppend(logged)
        return logged
    }

    /// Logs a job's changed document as a `bulk_job_progress` event.
    @discardableResult
    func append(progressOf document: JobDocument) throws -> LoggedEvent {
        let seq = try add(org: document.org, kind: .jobProgress, shard: nil, shardSeq: nil, payload: document.storedBytes, at: Self.now())
        let logged = LoggedEvent(seq: seq, org: document.org, body: .jobProgress(document))
        onAppend([logged])
        return logged
    }

    private func add(org: String, kind: Kind, shard: UInt32?, shardSeq: Int64?, payload: [UInt8], at now: Int64) throws -> UInt64 {
        try insert.bind(org, at: 1)
        try insert.bind(kind.rawValue, at: 2)
        try insert.bind(shard.map { .integer(Int64($0)) } ?? .null, at: 3)
        try insert.bind(shardSeq.map { .integer($0) } ?? .null, at: 4)
        try insert.bind(bytes: payload, at: 5)
        try insert.bind(now, at: 6)
        try insert.execute()
        if database.changes == 1 { return UInt64(database.lastInsertRowID) }
        // Delivered before (the shard did not hear the acknowledgement): the place it got then.
        try existing.bind([.integer(Int64(shard ?? 0)), .integer(shardSeq ?? 0)])
        defer { existing.reset() }
        guard try existing.step() else { throw SQLiteError(operation: "log event", code: 0, message: "an ignored insert left no row") }
        return UInt64(existing.integer(0))
    }

    /// `org`'s events after `after` (nil: from the oldest kept), oldest first, at most `limit`; and the log's head.
    func events(org: String, after: UInt64?, limit: Int) throws -> EventPage {
        var events: [LoggedEvent] = []
        if limit > 0 {
            try page.bind([.text(org), .integer(Int64(clamping: after ?? 0)), .integer(Int64(limit))])
            defer { page.reset() }
            while try page.step() {
                let seq = UInt64(page.integer(0))
                let payload = page.blob(2)
                switch Kind(rawValue: page.integer(1)) {
                case .contactRemoved: events.append(LoggedEvent(seq: seq, org: org, body: .contactRemoved(json: String(decoding: payload, as: UTF8.self))))
                case .jobProgress: events.append(LoggedEvent(seq: seq, org: org, body: .jobProgress(try JobDocument(storedBytes: payload))))
                case nil: continue  // a kind a newer build logged: not ours to show
                }
            }
        }
        return EventPage(events: events, head: UInt64(try database.scalar("SELECT coalesce(max(seq), 0) FROM events")))
    }

    /// Forgets events older than `retention`, and the oldest beyond `maxEvents`; how many went.
    @discardableResult
    func prune(now: Int64) throws -> Int {
        let cutoff = now - Int64(Self.retention.components.seconds) * 1000
        return try database.transaction {
            try database.prepare("DELETE FROM events WHERE created_at < ?").run([.integer(cutoff)])
            var removed = database.changes
            let newest = try database.scalar("SELECT coalesce(max(seq), 0) FROM events")
            try database.prepare("DELETE FROM events WHERE seq <= ?").run([.integer(newest - Self.maxEvents)])
            removed += database.changes
            return removed
        }
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
