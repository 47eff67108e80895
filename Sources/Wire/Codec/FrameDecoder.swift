/// Turns bytes that arrive in arbitrary pieces into whole messages.
///
/// It first expects the peer's preamble (when asked to), then frames. `next()`
/// returns `nil` when it needs more bytes and has then consumed nothing. The
/// length limit is checked as soon as the 4-byte prefix is in, before a
/// payload of that size is waited for. After a throw the stream is broken and
/// the connection must be closed.
package struct FrameDecoder: Sendable {
    package let sizeLimit: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var awaitingPreamble: Bool

    package init(sizeLimit: Int = Frame.defaultSizeLimit, expectPreamble: Bool = true) {
        precondition(sizeLimit > 0, "frame size limit must be positive")  // configuration bug
        self.sizeLimit = sizeLimit
        self.awaitingPreamble = expectPreamble
    }

    /// Bytes received but not yet decoded.
    package var bufferedByteCount: Int { buffer.count - readIndex }

    package mutating func append(_ bytes: some Collection<UInt8>) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// The next whole message: the next payload, decoded as a connection decodes it.
    package mutating func next() throws(WireError) -> Message? {
        guard let payload = try nextPayload() else { return nil }
        return try Message(payload: payload)
    }

    /// The next whole frame's payload, still encoded: `FrameStream` hands it on to be decoded
    /// by its connection, off the event loop's thread.
    package mutating func nextPayload() throws(WireError) -> [UInt8]? {
        if awaitingPreamble {
            guard bufferedByteCount >= ProtocolVersion.preambleSize else {
                // Refuse a wrong magic as soon as its first bytes show it.
                let seen = buffer[readIndex...].prefix(ProtocolVersion.magic.count)
                if !ProtocolVersion.magic.starts(with: seen) { throw .badMagic(Array(seen)) }
                return nil
            }
            try ProtocolVersion.validate(preamble: buffer[readIndex..<readIndex + ProtocolVersion.preambleSize])
            readIndex += ProtocolVersion.preambleSize
            awaitingPreamble = false
        }
        guard bufferedByteCount >= Frame.lengthPrefixSize else { return nil }
        var lengthReader = WireReader(buffer, from: readIndex, to: readIndex + Frame.lengthPrefixSize)
        let length = Int(try lengthReader.readUInt32("frame.length"))
        guard length <= sizeLimit else { throw .frameTooLarge(length: length, limit: sizeLimit) }
        guard length > 0 else { throw .emptyFrame }
        let payloadStart = readIndex + Frame.lengthPrefixSize
        guard buffer.count - payloadStart >= length else { return nil }
        readIndex = payloadStart + length
        return Array(buffer[payloadStart..<readIndex])
    }

    /// Drops consumed bytes once they are the larger part of the buffer, so a
    /// long-lived connection neither grows without bound nor copies per frame.
    private mutating func compactIfWorthwhile() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 64 * 1024 && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
