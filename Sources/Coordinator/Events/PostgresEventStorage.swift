import Wire

/// The event log in a PostgreSQL database (`tether_registry`, beside the jobs).
///
/// A batch is one statement: its rows travel as arrays, are inserted in order (so
/// their identity seqs follow it), and a redelivered one is skipped by its unique
/// origin and answered with the seq it got the first time.
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
        // NULL origins (job progress) never conflict; -1 stands for NULL in the arrays.
        let answer = try connection.whenConnected {
            try connection.transaction {
                try connection.query("""
                    WITH input AS (
                        SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[])
                            WITH ORDINALITY AS r(org, kind, shard, shard_seq, payload, created_at, ord)),
                    added AS (
                        INSERT INTO events (org, kind, shard, shard_seq, payload, created_at)
                        SELECT org, kind, nullif(shard, -1), nullif(shard_seq, -1), decode(payload, 'hex'), created_at FROM input ORDER BY ord
                        ON CONFLICT DO NOTHING
                        RETURNING seq, shard, shard_seq)
                    SELECT i.ord, coalesce(a.seq, e.seq) FROM input i
                    LEFT JOIN added a ON a.shard = i.shard AND a.shard_seq = i.shard_seq
                    LEFT JOIN events e ON e.shard = i.shard AND e.shard_seq = i.shard_seq
                    WHERE i.shard <> -1
                    UNION ALL
                    SELECT 0, seq FROM added WHERE shard IS NULL
                    ORDER BY 1, 2
                    """, [
                        .texts(rows.map(\.org)), .integers(rows.map(\.kind)), .integers(rows.map { $0.origin.map { Int64($0.shard) } ?? -1 }),
                        .integers(rows.map { $0.origin?.seq ?? -1 }), .texts(rows.map { Self.hex($0.payload) }), .integers(rows.map(\.createdAt)),
                    ])
            }
        }
        // Rows with an origin come back by position; those without, in seq order, which is their order.
        var withOrigin: [Int: UInt64] = [:]
        var withoutOrigin: [UInt64] = []
        for row in 0..<answer.count {
            let position = Int(answer.integer(row, 0))
            if position == 0 { withoutOrigin.append(UInt64(answer.integer(row, 1))) } else { withOrigin[position - 1] = UInt64(answer.integer(row, 1)) }
        }
        var next = withoutOrigin.makeIterator()
        return try rows.indices.map { index in
            guard let seq = rows[index].origin == nil ? next.next() : withOrigin[index] else {
                throw PostgresError(operation: "log event", sqlState: "", message: "an event got no seq")
            }
            return seq
        }
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
