import Wire

/// The frame decoder: bytes from a peer, in pieces, never crash it; whatever it decodes
/// encodes back to a frame that decodes to the same message.
let fuzzTargets: [String: @Sendable ([UInt8]) -> Void] = [
    "frame": { bytes in
        guard let first = bytes.first else { return }
        // The first byte says how the rest arrives: in pieces of 1 to 256 bytes.
        let piece = Int(first) + 1
        var decoder = FrameDecoder(sizeLimit: 1 << 16, expectPreamble: false)
        var offset = 1
        while offset < bytes.count {
            let end = min(offset + piece, bytes.count)
            decoder.append(bytes[offset..<end])
            offset = end
            do {
                while let message = try decoder.next() {
                    var again = FrameDecoder(sizeLimit: 1 << 16, expectPreamble: false)
                    again.append(Frame.encode(message))
                    precondition((try? again.next()) == message, "\(message) did not survive its own encoding")
                }
            } catch {
                return
            }
        }
    },
]
