/// What one process asks another and expects an answer to.
package enum Request: WireCodable {
    /// Gateway → coordinator: the health of every shard.
    case clusterHealth
    /// Coordinator → shard: are you serving your mailbox?
    case ping
    /// Gateway → coordinator → owning shards: write these records (one transaction per shard).
    case importRecords(org: String, records: [ImportRecord])
    /// Gateway → coordinator → every shard: how many records match.
    case countMatching(org: String, filter: ContactFilter)
    /// Gateway → coordinator → owning shard: one contact with its counts.
    case contact(org: String, id: String)
    /// Gateway → coordinator → every shard: the org's row counts.
    case stats(org: String)

    private enum Tag: UInt8 {
        case clusterHealth = 1
        case ping = 2
        case importRecords = 3
        case countMatching = 4
        case contact = 5
        case stats = 6
    }

    package func encode(to writer: inout WireWriter) {
        switch self {
        case .clusterHealth:
            writer.write(Tag.clusterHealth.rawValue)
        case .ping:
            writer.write(Tag.ping.rawValue)
        case .importRecords(let org, let records):
            writer.write(Tag.importRecords.rawValue)
            writer.write(org)
            writer.write(array: records)
        case .countMatching(let org, let filter):
            writer.write(Tag.countMatching.rawValue)
            writer.write(org)
            writer.write(filter)
        case .contact(let org, let id):
            writer.write(Tag.contact.rawValue)
            writer.write(org)
            writer.write(id)
        case .stats(let org):
            writer.write(Tag.stats.rawValue)
            writer.write(org)
        }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("request.tag")
        switch Tag(rawValue: raw) {
        case .clusterHealth: self = .clusterHealth
        case .ping: self = .ping
        case .importRecords: self = .importRecords(org: try reader.readString("request.org"), records: try reader.readArray("request.records"))
        case .countMatching: self = .countMatching(org: try reader.readString("request.org"), filter: try reader.read())
        case .contact: self = .contact(org: try reader.readString("request.org"), id: try reader.readString("request.id"))
        case .stats: self = .stats(org: try reader.readString("request.org"))
        case nil: throw .unknownTag(type: "request", tag: raw)
        }
    }
}
