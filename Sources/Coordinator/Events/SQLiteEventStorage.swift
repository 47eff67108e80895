import SQLiteDriver

/// The event log in `DIR/events.db`.
final class SQLiteEventStorage: EventStorage {
    private let database: SQLiteDatabase
    private let insert: SQLiteStatement
    private let existing: SQLiteStatement
    private let read: SQLiteStatement

    init(path: String) throws {
        let database = try CoordinatorStores.openSQLite(path: path)
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
        read = try database.prepare("SELECT seq, kind, payload FROM events WHERE org = ? AND seq > ? ORDER BY seq LIMIT ?")
        self.database = database
    }

    func append(_ rows: [EventRow]) throws -> [UInt64] {
        try database.transaction { try rows.map(add) }
    }

    private func add(_ row: EventRow) throws -> UInt64 {
        try insert.bind(row.org, at: 1)
        try insert.bind(row.kind, at: 2)
        try insert.bind(row.origin.map { .integer(Int64($0.shard)) } ?? .null, at: 3)
        try insert.bind(row.origin.map { .integer($0.seq) } ?? .null, at: 4)
        try insert.bind(bytes: row.payload, at: 5)
        try insert.bind(row.createdAt, at: 6)
        try insert.execute()
        if database.changes == 1 { return UInt64(database.lastInsertRowID) }
        // Delivered before (the shard did not hear the acknowledgement): the place it got then.
        try existing.bind([.integer(Int64(row.origin?.shard ?? 0)), .integer(row.origin?.seq ?? 0)])
        defer { existing.reset() }
        guard try existing.step() else { throw SQLiteError(operation: "log event", code: 0, message: "an ignored insert left no row") }
        return UInt64(existing.integer(0))
    }

    func page(org: String, after: Int64, limit: Int) throws -> [(seq: UInt64, kind: Int64, payload: [UInt8])] {
        try read.bind([.text(org), .integer(after), .integer(Int64(limit))])
        defer { read.reset() }
        var rows: [(seq: UInt64, kind: Int64, payload: [UInt8])] = []
        while try read.step() { rows.append((UInt64(read.integer(0)), read.integer(1), read.blob(2))) }
        return rows
    }

    func head() throws -> UInt64 {
        UInt64(try database.scalar("SELECT coalesce(max(seq), 0) FROM events"))
    }

    func prune(createdBefore cutoff: Int64) throws -> Int {
        try database.prepare("DELETE FROM events WHERE created_at < ?").run([.integer(cutoff)])
        return database.changes
    }

    func trim(org: String, keeping: Int64) throws -> Int {
        try database.prepare(EventStorageSQL.trim(orgParameter: "?1", keepingParameter: "?2")).run([.text(org), .integer(keeping)])
        return database.changes
    }

    func orgs() throws -> [String] {
        let statement = try database.prepare(EventStorageSQL.orgs)
        var orgs: [String] = []
        while try statement.step() { orgs.append(statement.text(0)) }
        return orgs
    }
}
