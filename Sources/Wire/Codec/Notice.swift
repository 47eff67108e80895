/// A one-way message: nothing answers it. Progress streams over these.
package enum Notice: WireCodable {
    /// Shard → coordinator, every `heartbeatInterval`: the shard's loop is alive.
    case heartbeat(sequence: UInt64)

    private enum Tag: UInt8 {
        case heartbeat = 1
    }

    package func encode(to writer: inout WireWriter) {
        switch self {
        case .heartbeat(let sequence):
            writer.write(Tag.heartbeat.rawValue)
            writer.write(sequence)
        }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("notice.tag")
        switch Tag(rawValue: raw) {
        case .heartbeat: self = .heartbeat(sequence: try reader.readUInt64("notice.heartbeat.sequence"))
        case nil: throw .unknownTag(type: "notice", tag: raw)
        }
    }
}
