/// What a call gets back, matched to it by correlation id: its reply, still encoded (only the
/// caller knows the type to decode it as, its call's `Reply`), or why it failed.
package enum Answer: WireCodable {
    case reply([UInt8])
    case failure(RemoteFailure)

    private enum Tag: UInt8 {
        case reply = 0
        case failure = 255
    }

    /// The answer carrying `value`; a receiver goes through `Call.answer(_:)`, which types it.
    package static func reply(encoding value: some WireCodable) -> Answer {
        var writer = WireWriter()
        writer.write(value)
        return .reply(writer.bytes)
    }

    package func encode(to writer: inout WireWriter) {
        switch self {
        case .reply(let bytes):
            writer.write(Tag.reply.rawValue)
            writer.write(bytes: bytes[...])
        case .failure(let failure):
            writer.write(Tag.failure.rawValue)
            writer.write(failure)
        }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("answer.tag")
        switch Tag(rawValue: raw) {
        case .reply: self = .reply(try reader.readBytes("answer.reply"))
        case .failure: self = .failure(try reader.read())
        case nil: throw .unknownTag(type: "answer", tag: raw)
        }
    }
}
