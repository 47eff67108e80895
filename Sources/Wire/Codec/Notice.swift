/// A one-way message: nothing answers it. Progress streams over these.
package enum Notice: WireCodable {
    /// Shard → coordinator, every `heartbeatInterval`: the shard's loop is alive.
    case heartbeat(sequence: UInt64)
    /// Shard → coordinator, after each committed delete batch.
    case sliceProgress(SliceProgress)
    /// Coordinator → gateways: socket events for subscribers of their orgs, as
    /// logged (a changed job's document among them), in log order.
    case events([LoggedEvent])

    private enum Tag: UInt8 {
        case heartbeat = 1
        case sliceProgress = 2
        case events = 3
    }

    package func encode(to writer: inout WireWriter) {
        switch self {
        case .heartbeat(let sequence):
            writer.write(Tag.heartbeat.rawValue)
            writer.write(sequence)
        case .sliceProgress(let progress):
            writer.write(Tag.sliceProgress.rawValue)
            writer.write(progress)
        case .events(let events):
            writer.write(Tag.events.rawValue)
            writer.write(array: events)
        }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("notice.tag")
        switch Tag(rawValue: raw) {
        case .heartbeat: self = .heartbeat(sequence: try reader.readUInt64("notice.heartbeat.sequence"))
        case .sliceProgress: self = .sliceProgress(try reader.read())
        case .events: self = .events(try reader.readArray("notice.events"))
        case nil: throw .unknownTag(type: "notice", tag: raw)
        }
    }
}
