import TestSupport
import Testing
@testable import Wire

@Suite struct FrameDecoderTests {
    /// Feeds `bytes` in the given piece sizes and collects every message.
    private func decode(_ bytes: [UInt8], pieces: [Int]) throws -> [Message] {
        var decoder = FrameDecoder()
        var messages: [Message] = []
        var offset = 0
        for size in pieces {
            decoder.append(bytes[offset..<offset + size])
            offset += size
            while let message = try decoder.next() { messages.append(message) }
        }
        return messages
    }

    @Test func decodesAWholeStream() throws {
        #expect(try decode(MessageSamples.stream, pieces: [MessageSamples.stream.count]) == MessageSamples.all)
    }

    @Test func decodesAStreamFedOneByteAtATime() throws {
        let stream = MessageSamples.stream
        #expect(try decode(stream, pieces: Array(repeating: 1, count: stream.count)) == MessageSamples.all)
    }

    @Test func decodesAStreamSplitAtEveryOffset() throws {
        let stream = MessageSamples.stream
        for split in 0...stream.count {
            #expect(try decode(stream, pieces: [split, stream.count - split]) == MessageSamples.all, "split at \(split)")
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func decodesAStreamSplitAtRandomPoints(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let stream = MessageSamples.stream
        var pieces: [Int] = []
        var left = stream.count
        while left > 0 {
            let size = min(left, Int.random(in: 1...17, using: &random))
            pieces.append(size)
            left -= size
        }
        #expect(try decode(stream, pieces: pieces) == MessageSamples.all, "seed \(seed)")
    }

    @Test(arguments: MessageSamples.all)
    func everyTruncationOfAValidFrameWaitsForMoreBytes(_ message: Message) throws {
        let bytes = ProtocolVersion.preamble + Frame.encode(message)
        for length in 0..<bytes.count {
            var decoder = FrameDecoder()
            decoder.append(bytes[0..<length])
            #expect(try decoder.next() == nil, "truncated at \(length)")
            #expect(decoder.bufferedByteCount == (length >= ProtocolVersion.preambleSize ? length - ProtocolVersion.preambleSize : length))
        }
    }

    @Test func refusesAFrameLongerThanTheLimitBeforeItsPayloadArrives() {
        var decoder = FrameDecoder(sizeLimit: 1024)
        decoder.append(ProtocolVersion.preamble + [0x00, 0x00, 0x04, 0x01])
        #expect(throws: WireError.frameTooLarge(length: 1025, limit: 1024)) { try decoder.next() }
    }

    @Test func refusesTheLargestDeclarableLengthUnderTheDefaultLimit() {
        var decoder = FrameDecoder()
        decoder.append(ProtocolVersion.preamble + [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: WireError.frameTooLarge(length: Int(UInt32.max), limit: Frame.defaultSizeLimit)) { try decoder.next() }
    }

    @Test func acceptsAFrameExactlyAtTheLimit() throws {
        let frame = Frame.encode(.refusal(Refusal(reason: String(repeating: "x", count: 100))))
        var decoder = FrameDecoder(sizeLimit: frame.count - Frame.lengthPrefixSize)
        decoder.append(ProtocolVersion.preamble + frame)
        #expect(try decoder.next() != nil)
    }

    @Test func refusesAnEmptyFrame() {
        var decoder = FrameDecoder()
        decoder.append(ProtocolVersion.preamble + [0, 0, 0, 0])
        #expect(throws: WireError.emptyFrame) { try decoder.next() }
    }

    @Test func refusesAPeerWithTheWrongMagicAsSoonAsTheFirstByteDiffers() {
        var decoder = FrameDecoder()
        decoder.append(Array("G".utf8))
        #expect(throws: WireError.badMagic(Array("G".utf8))) { try decoder.next() }
    }

    @Test func refusesAPeerSpeakingAnotherProtocolVersion() {
        var decoder = FrameDecoder()
        // The version before this one: a process left from an older build.
        decoder.append(ProtocolVersion.magic + [0x00, 0x01])
        #expect(throws: WireError.unsupportedProtocolVersion(1, supported: ProtocolVersion.current)) { try decoder.next() }
    }

    @Test(arguments: 1...200 as ClosedRange<UInt64>)
    func randomGarbageNeverCrashesOrHangs(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let length = Int.random(in: 0...512, using: &random)
        // Half the cases start with a valid preamble so the frame decoder itself is exercised.
        var bytes = seed % 2 == 0 ? ProtocolVersion.preamble : []
        bytes += (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
        var decoder = FrameDecoder(sizeLimit: 4096)
        decoder.append(bytes)
        var decoded = 0
        do {
            while try decoder.next() != nil {
                decoded += 1
                #expect(decoded <= bytes.count, "seed \(seed): more messages than bytes")
            }
        } catch {
            // A typed error is the expected outcome for garbage.
        }
    }

    @Test func garbageInsideAValidFrameIsATypedError() {
        // A frame of the right length whose payload is nonsense.
        var decoder = FrameDecoder()
        decoder.append(ProtocolVersion.preamble + [0, 0, 0, 3, ProtocolVersion.messageVersion, 4, 0xAA])
        #expect(throws: WireError.self) { try decoder.next() }
    }

    @Test func keepsMemoryBoundedOverALongStream() throws {
        var decoder = FrameDecoder()
        decoder.append(ProtocolVersion.preamble)
        let frame = Frame.encode(.notice(.heartbeat(sequence: 1)))
        for _ in 0..<100_000 {
            decoder.append(frame)
            _ = try decoder.next()
        }
        #expect(decoder.bufferedByteCount == 0)
    }
}
