import Wire

extension SQLiteShardStore {
    /// The oldest committed events still in the outbox.
    func outbox(limit: Int) throws -> [OutboxEvent] {
        try statements.withStatement("SELECT seq, org, type, payload, created_at FROM event_outbox ORDER BY seq LIMIT ?", [.integer(Int64(limit))]) { read in
            var events: [OutboxEvent] = []
            while try read.step() {
                events.append(OutboxEvent(
                    shard: UInt32(index), seq: read.integer(0), org: read.text(1), type: read.text(2), payload: read.text(3), createdAt: read.integer(4)))
            }
            return events
        }
    }

    /// Forgets delivered events: every outbox row up to and including `seq`.
    func removeFromOutbox(through seq: Int64) throws {
        try statements.withStatement("DELETE FROM event_outbox WHERE seq <= ?", [.integer(seq)]) { try $0.execute() }
    }
}
