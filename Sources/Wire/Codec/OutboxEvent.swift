/// A socket event that left a shard's outbox after its batch committed.
///
/// `id` is stable (`s<shard>-<seq>`): a retried delivery carries the same id,
/// so subscribers see at-least-once delivery and can tell repeats apart.
package struct OutboxEvent: WireCodable {
    package var id: String
    package var org: String
    package var type: String
    /// The event's data, JSON.
    package var payload: String
    package var createdAt: Int64

    package init(id: String, org: String, type: String, payload: String, createdAt: Int64) {
        self.id = id
        self.org = org
        self.type = type
        self.payload = payload
        self.createdAt = createdAt
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(id)
        writer.write(org)
        writer.write(type)
        writer.write(payload)
        writer.write(createdAt)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        id = try reader.readString("event.id")
        org = try reader.readString("event.org")
        type = try reader.readString("event.type")
        payload = try reader.readString("event.payload")
        createdAt = try reader.readInt64("event.createdAt")
    }
}
