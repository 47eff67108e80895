/// Everything that crosses a socket between two processes, as one value.
///
/// On the wire a message is the payload of one frame: the message version
/// byte, a type byte, then the case's fields.
package enum Message: Sendable, Equatable {
    case hello(Hello)
    case welcome(Welcome)
    case refusal(Refusal)
    /// A call; its family is decoded by the receiver, which answers only its own (`CallFrame.open(as:by:)`).
    case request(correlation: UInt64, CallFrame)
    /// The answer to the request with the same correlation id; its reply is decoded by the caller.
    case response(correlation: UInt64, Answer)
    case notice(Notice)

    private enum MessageType: UInt8 {
        case hello = 1
        case welcome = 2
        case refusal = 3
        case request = 4
        case response = 5
        case notice = 6
    }

    /// Writes the payload (version, type, fields) without a length prefix.
    package func encodePayload(to writer: inout WireWriter) {
        writer.write(ProtocolVersion.messageVersion)
        switch self {
        case .hello(let hello):
            writer.write(MessageType.hello.rawValue)
            writer.write(hello)
        case .welcome(let welcome):
            writer.write(MessageType.welcome.rawValue)
            writer.write(welcome)
        case .refusal(let refusal):
            writer.write(MessageType.refusal.rawValue)
            writer.write(refusal)
        case .request(let correlation, let call):
            writer.write(MessageType.request.rawValue)
            writer.write(correlation)
            writer.write(call)
        case .response(let correlation, let answer):
            writer.write(MessageType.response.rawValue)
            writer.write(correlation)
            writer.write(answer)
        case .notice(let notice):
            writer.write(MessageType.notice.rawValue)
            writer.write(notice)
        }
    }

    /// Decodes one frame's payload, as `FrameDecoder.nextPayload` gives it.
    package init(payload bytes: [UInt8]) throws(WireError) {
        var reader = WireReader(bytes, from: 0, to: bytes.count)
        try self.init(payload: &reader)
    }

    /// Decodes one whole payload; throws on anything left over.
    package init(payload reader: inout WireReader) throws(WireError) {
        let version = try reader.readUInt8("message.version")
        guard version == ProtocolVersion.messageVersion else { throw .unknownVersion(version) }
        let rawType = try reader.readUInt8("message.type")
        switch MessageType(rawValue: rawType) {
        case .hello: self = .hello(try reader.read())
        case .welcome: self = .welcome(try reader.read())
        case .refusal: self = .refusal(try reader.read())
        case .request:
            let correlation = try reader.readUInt64("request.correlation")
            self = .request(correlation: correlation, try reader.read())
        case .response:
            let correlation = try reader.readUInt64("response.correlation")
            self = .response(correlation: correlation, try reader.read())
        case .notice: self = .notice(try reader.read())
        case nil: throw .unknownMessageType(rawType)
        }
        try reader.expectEnd()
    }
}
