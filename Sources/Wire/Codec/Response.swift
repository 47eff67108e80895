/// The answer to a `Request`, matched to it by correlation id.
package enum Response: WireCodable {
    case clusterHealth(ClusterHealth)
    case pong(ShardStatus)
    case failure(RemoteFailure)

    private enum Tag: UInt8 {
        case clusterHealth = 1
        case pong = 2
        case failure = 255
    }

    package func encode(to writer: inout WireWriter) {
        switch self {
        case .clusterHealth(let health):
            writer.write(Tag.clusterHealth.rawValue)
            writer.write(health)
        case .pong(let status):
            writer.write(Tag.pong.rawValue)
            writer.write(status)
        case .failure(let failure):
            writer.write(Tag.failure.rawValue)
            writer.write(failure)
        }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("response.tag")
        switch Tag(rawValue: raw) {
        case .clusterHealth: self = .clusterHealth(try reader.read())
        case .pong: self = .pong(try reader.read())
        case .failure: self = .failure(try reader.read())
        case nil: throw .unknownTag(type: "response", tag: raw)
        }
    }
}
