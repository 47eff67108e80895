import Wire

/// The event log in a PostgreSQL database (`tether_registry`, beside the jobs).
///
/// A batch is one statement: its rows travel as arrays, are inserted in order (so
/// their identity seqs follow it), and a redelivered one is skipped by its unique
/// origin and answered with the seq it got the first time (a second statement,
/// only when there is one).
final class PostgresEventStorage: EventStorage {
    private let connection: PostgresConnection

    init(connectionString: String) throws {
        let connection = try PostgresConnection(connectionString)
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
    }

    func append(_ rows: [EventRow]) throws -> [UInt64] {
        guard !rows.isEmpty else { return [] }
        return try connection.whenConnected {
            try connection.transaction {
                // NULL origins (job progress) never conflict; -1 stands for NULL in the arrays.
                let added = try connection.query("""
                    INSERT INTO events (org, kind, shard, shard_seq, payload, created_at)
                    SELECT org, kind, nullif(shard, -1), nullif(shard_seq, -1), decode(payload, 'hex'), created_at
                    FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[])
                        WITH ORDINALITY AS r(org, kind, shard, shard_seq, payload, created_at, ord)
                    ORDER BY ord
                    ON CONFLICT DO NOTHING
                    RETURNING seq, coalesce(shard, -1), coalesce(shard_seq, -1)
                    """, [
                        .texts(rows.map(\.org)), .integers(rows.map(\.kind)), .integers(rows.map { $0.origin.map { Int64($0.shard) } ?? -1 }),
                        .integers(rows.map { $0.origin?.seq ?? -1 }), .texts(rows.map { Self.hex($0.payload) }), .integers(rows.map(\.createdAt)),
                    ])
                // Identity values follow the insert's order, so the rows without an origin take the added ones without
                // one in order; those with one are matched by it, and only a redelivery needs the log asked.
                var byOrigin: [Origin: UInt64] = [:]
                var withoutOrigin: [UInt64] = []
                for row in 0..<added.count {
                    let seq = UInt64(added.integer(row, 0))
                    let shard = added.integer(row, 1)
                    if shard < 0 { withoutOrigin.append(seq) } else { byOrigin[Origin(shard: shard, seq: added.integer(row, 2))] = seq }
                }
                let redelivered = rows.compactMap { $0.origin.map { Origin(shard: Int64($0.shard), seq: $0.seq) } }.filter { byOrigin[$0] == nil }
                if !redelivered.isEmpty {
                    let earlier = try connection.query(
                        "SELECT e.shard, e.shard_seq, e.seq FROM events e JOIN unnest($1::bigint[], $2::bigint[]) AS r(shard, shard_seq)"
                            + " ON e.shard = r.shard AND e.shard_seq = r.shard_seq",
                        [.integers(redelivered.map(\.shard)), .integers(redelivered.map(\.seq))])
                    for row in 0..<earlier.count {
                        byOrigin[Origin(shard: earlier.integer(row, 0), seq: earlier.integer(row, 1))] = UInt64(earlier.integer(row, 2))
                    }
                }
                withoutOrigin.sort()
                var next = withoutOrigin.makeIterator()
                return try rows.map { row in
                    let seq = row.origin.map { byOrigin[Origin(shard: Int64($0.shard), seq: $0.seq)] } ?? next.next()
                    guard let seq else { throw PostgresError(operation: "log event", sqlState: "", message: "an event got no seq") }
                    return seq
                }
            }
        }
    }

    /// Where a shard's event came from: (shard, its outbox seq).
    private struct Origin: Hashable {
        let shard: Int64
        let seq: Int64
    }

    func page(org: String, after: Int64, limit: Int) throws -> [(seq: UInt64, kind: Int64, payload: [UInt8])] {
        let rows = try connection.whenConnected {
            try connection.query(
                "SELECT seq, kind, payload FROM events WHERE org = $1 AND seq > $2 ORDER BY seq LIMIT $3", [.text(org), .integer(after), .integer(Int64(limit))])
        }
        return (0..<rows.count).map { (UInt64(rows.integer($0, 0)), rows.integer($0, 1), rows.bytes($0, 2)) }
    }

    func head() throws -> UInt64 {
        UInt64(try connection.whenConnected { try connection.scalar("SELECT coalesce(max(seq), 0) FROM events") })
    }

    func prune(createdBefore cutoff: Int64, keeping: Int64) throws -> Int {
        try connection.whenConnected {
            try connection.transaction {
                let old = try connection.query("DELETE FROM events WHERE created_at < $1", [.integer(cutoff)]).affectedRows
                let beyond = try connection.query(
                    "DELETE FROM events WHERE seq <= (SELECT coalesce(max(seq), 0) FROM events) - $1", [.integer(keeping)]).affectedRows
                return old + beyond
            }
        }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hex(_ bytes: [UInt8]) -> String {
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
