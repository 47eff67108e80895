/// Length-prefixed framing: a 4-byte big-endian payload length, then the payload.
package enum Frame {
    /// The default bound on one frame's payload: 16 MiB.
    package static let defaultSizeLimit = 16 << 20
    package static let lengthPrefixSize = 4

    /// The bytes of one frame carrying `message`.
    package static func encode(_ message: Message) -> [UInt8] {
        var writer = WireWriter()
        append(message, to: &writer)
        return writer.bytes
    }

    /// Appends one frame to `writer`, so many messages can share one write.
    package static func append(_ message: Message, to writer: inout WireWriter) {
        let start = writer.bytes.count
        writer.write(UInt32(0))
        message.encodePayload(to: &writer)
        writer.patch(UInt32(writer.bytes.count - start - lengthPrefixSize), at: start)
    }
}
