import PostgresDriver

/// The event log in a PostgreSQL database (`tether_registry`, beside the jobs).
///
/// A batch is written with one COPY (about half the server's time a row of an
/// insert that asks for each row's identity and checks each for a conflict): its
/// seqs are one block taken from the table's identity sequence first, under a
/// lock that keeps other writers out until it commits, so they follow the
/// batch's order and are never reused. A shard's events come in its outbox
/// order, so only those at or below the highest origin already logged for that
/// shard can be redeliveries; only those are looked up, and one found keeps the
/// seq it got the first time.
///
/// One coordinator's, as the registry is (`PostgresFence`, its own lock): a
/// second is refused, and every write proves the lock in its transaction.
final class PostgresEventStorage: EventStorage {
    private let connection: PostgresConnection
    private let fence = PostgresFence(key: PostgresFence.eventLogKey, guarded: "the cluster's event log")
    /// The identity sequence of `events.seq`, by name.
    private let sequence: String

    init(connectionString: String) throws {
        let connection = try PostgresConnection(connectionString, sessionSetup: PostgresWriterSession.setup)
        guard try fence.take(on: connection, waitingUpTo: PostgresRegistryStorage.lockPatience) else {
            throw RegistryInUse(registry: connection.target, holder: PostgresRegistryStorage.holder(on: connection))
        }
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS events (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                org text NOT NULL,
                kind bigint NOT NULL,
                shard bigint,
                shard_seq bigint,
                payload bytea NOT NULL,
                created_at bigint NOT NULL,
                UNIQUE (shard, shard_seq));
            CREATE INDEX IF NOT EXISTS events_by_org ON events (org, seq);
            """)
        self.connection = connection
        sequence = try connection.query("SELECT pg_get_serial_sequence('events', 'seq')").text(0, 0)
    }

    func append(_ rows: [EventRow]) throws -> [UInt64] {
        guard !rows.isEmpty else { return [] }
        return try fence.connected(connection) {
            try fence.write(on: connection) {
                // One writer at a time: what it finds logged stays so, and its block of seqs is its own.
                try connection.execute("LOCK TABLE events IN EXCLUSIVE MODE")
                let origins = rows.map { $0.origin.map(Origin.init) }
                var seqs = try loggedBefore(origins.compactMap { $0 })
                // The rows to write: each without an origin, and the first of each origin not logged before.
                var seen = Set<Origin>()
                let fresh = rows.indices.filter { row in
                    guard let origin = origins[row] else { return true }
                    return seqs[origin] == nil && seen.insert(origin).inserted
                }
                let first = fresh.isEmpty ? 0 : try takeSeqs(fresh.count)
                var written = [UInt64?](repeating: nil, count: rows.count)
                var copy = CopyRows()
                for (offset, index) in fresh.enumerated() {
                    let row = rows[index]
                    let seq = first + Int64(offset)
                    written[index] = UInt64(seq)
                    if let origin = origins[index] { seqs[origin] = UInt64(seq) }
                    copy.add(seq)
                    copy.add(row.org)
                    copy.add(row.kind)
                    copy.add(row.origin.map { Int64($0.shard) })
                    copy.add(row.origin?.seq)
                    copy.add(bytes: row.payload)
                    copy.add(row.createdAt)
                    copy.endRow()
                }
                if !fresh.isEmpty {
                    try connection.copy("COPY events (seq, org, kind, shard, shard_seq, payload, created_at) FROM STDIN", copy.bytes)
                }
                // A row not written is one logged before, or a repeat within this batch: its origin's seq.
                return try rows.indices.map { row in
                    guard let seq = written[row] ?? origins[row].flatMap({ seqs[$0] }) else {
                        throw PostgresError(operation: "log event", sqlState: "", message: "an event got no seq")
                    }
                    return seq
                }
            }
        }
    }

    /// The first of `count` consecutive seqs (the table's lock keeps another writer's out of the block).
    private func takeSeqs(_ count: Int) throws -> Int64 {
        let last = try connection.scalar("SELECT setval($1::regclass, nextval($1::regclass) + $2 - 1)", [.text(sequence), .integer(Int64(count))])
        return last - Int64(count) + 1
    }

    /// The seqs of those of `origins` logged before. Only an origin at or below its shard's
    /// highest logged one can be, so only those are looked up (none, while a shard streams).
    private func loggedBefore(_ origins: [Origin]) throws -> [Origin: UInt64] {
        guard !origins.isEmpty else { return [:] }
        let shards = Array(Set(origins.map(\.shard)))
        let highest = try connection.query(
            "SELECT s, (SELECT max(shard_seq) FROM events WHERE shard = s) FROM unnest($1::bigint[]) AS s", [.integers(shards)])
        var highestOf: [Int64: Int64] = [:]
        for row in 0..<highest.count where !highest.isNull(row, 1) { highestOf[highest.integer(row, 0)] = highest.integer(row, 1) }
        let candidates = origins.filter { origin in highestOf[origin.shard].map { origin.seq <= $0 } ?? false }
        guard !candidates.isEmpty else { return [:] }
        let earlier = try connection.query(
            "SELECT e.shard, e.shard_seq, e.seq FROM events e JOIN unnest($1::bigint[], $2::bigint[]) AS r(shard, shard_seq)"
                + " ON e.shard = r.shard AND e.shard_seq = r.shard_seq",
            [.integers(candidates.map(\.shard)), .integers(candidates.map(\.seq))])
        var seqs: [Origin: UInt64] = [:]
        for row in 0..<earlier.count { seqs[Origin(shard: earlier.integer(row, 0), seq: earlier.integer(row, 1))] = UInt64(earlier.integer(row, 2)) }
        return seqs
    }

    /// Where a shard's event came from: (shard, its outbox seq).
    private struct Origin: Hashable {
        let shard: Int64
        let seq: Int64

        init(shard: Int64, seq: Int64) {
            self.shard = shard
            self.seq = seq
        }

        init(_ origin: (shard: UInt32, seq: Int64)) {
            self.init(shard: Int64(origin.shard), seq: origin.seq)
        }
    }

    func page(org: String, after: Int64, limit: Int) throws -> [(seq: UInt64, kind: Int64, payload: [UInt8])] {
        let rows = try fence.connected(connection) {
            try connection.query(
                "SELECT seq, kind, payload FROM events WHERE org = $1 AND seq > $2 ORDER BY seq LIMIT $3", [.text(org), .integer(after), .integer(Int64(limit))])
        }
        return (0..<rows.count).map { (UInt64(rows.integer($0, 0)), rows.integer($0, 1), rows.bytes($0, 2)) }
    }

    func head() throws -> UInt64 {
        UInt64(try fence.connected(connection) { try connection.scalar("SELECT coalesce(max(seq), 0) FROM events") })
    }

    func prune(createdBefore cutoff: Int64) throws -> Int {
        try fence.connected(connection) {
            try fence.write(on: connection) {
                return try connection.query("DELETE FROM events WHERE created_at < $1", [.integer(cutoff)]).affectedRows
            }
        }
    }

    func trim(org: String, keeping: Int64) throws -> Int {
        try fence.connected(connection) {
            try fence.write(on: connection) {
                return try connection.query(EventStorageSQL.trim(orgParameter: "$1", keepingParameter: "$2"), [.text(org), .integer(keeping)])
                    .affectedRows
            }
        }
    }

    func orgs() throws -> [String] {
        let rows = try fence.connected(connection) { try connection.query(EventStorageSQL.orgs) }
        return (0..<rows.count).map { rows.text($0, 0) }
    }
}
