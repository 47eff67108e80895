/// What an operator peer (`coordinator --report jobs`) asks the coordinator: every org's unfinished jobs, nothing of a tenant's data.
package enum OperatorCall: CallFamily {
    case unfinishedJobs(ListUnfinishedJobs)

    package static let conversation = Conversation.operatorToCoordinator

    /// Named as the cases are: a tag's name is its call's.
    private enum Tag: UInt8 {
        case unfinishedJobs = 1
    }

    package static func callName(tag: UInt8) -> String? { Tag(rawValue: tag).map { "\($0)" } }

    package func encode(to writer: inout WireWriter) {
        switch self {
        case .unfinishedJobs(let call):
            writer.write(Tag.unfinishedJobs.rawValue)
            writer.write(call)
        }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("operatorCall.tag")
        switch Tag(rawValue: raw) {
        case .unfinishedJobs: self = .unfinishedJobs(try reader.read())
        case nil: throw .unknownTag(type: "operatorCall", tag: raw)
        }
    }
}
