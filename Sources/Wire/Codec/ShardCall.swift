/// What a shard asks the coordinator: to take the events that left its outbox.
package enum ShardCall: CallFamily {
    case publishEvents(PublishEvents)

    package static let conversation = Conversation.shardToCoordinator

    /// Named as the cases are: a tag's name is its call's.
    private enum Tag: UInt8 {
        case publishEvents = 1
    }

    package static func callName(tag: UInt8) -> String? { Tag(rawValue: tag).map { "\($0)" } }

    package func encode(to writer: inout WireWriter) {
        switch self {
        case .publishEvents(let call):
            writer.write(Tag.publishEvents.rawValue)
            writer.write(call)
        }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("shardCall.tag")
        switch Tag(rawValue: raw) {
        case .publishEvents: self = .publishEvents(try reader.read())
        case nil: throw .unknownTag(type: "shardCall", tag: raw)
        }
    }
}
