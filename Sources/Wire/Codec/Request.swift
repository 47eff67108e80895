/// What one process asks another and expects an answer to.
package enum Request: WireCodable {
    /// Gateway → coordinator: the health of every shard.
    case clusterHealth
    /// Coordinator → shard: are you serving your mailbox?
    case ping

    private enum Tag: UInt8 {
        case clusterHealth = 1
        case ping = 2
    }

    package func encode(to writer: inout WireWriter) {
        switch self {
        case .clusterHealth: writer.write(Tag.clusterHealth.rawValue)
        case .ping: writer.write(Tag.ping.rawValue)
        }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("request.tag")
        switch Tag(rawValue: raw) {
        case .clusterHealth: self = .clusterHealth
        case .ping: self = .ping
        case nil: throw .unknownTag(type: "request", tag: raw)
        }
    }
}
