import Wire

/// The frame decoder: bytes from a peer, in pieces, never crash it; whatever it decodes
/// encodes back to a frame that decodes to the same message, and an import batch in it
/// splits by shard into exactly its records.
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
                    if case .request(_, .importRecords(_, let batch, _)) = message { checkSplit(batch) }
                }
            } catch {
                return
            }
        }
    },
]

/// A batch's records are decoded only where they are used; a batch whose records decode
/// splits into parts that hold those same records, and no others.
private func checkSplit(_ batch: ImportBatch) {
    guard let records = try? batch.records() else { return }
    guard let parts = try? batch.split(by: { $0.utf8.count % 3 }) else { preconditionFailure("\(batch) decodes but does not split") }
    let rejoined = parts.values.flatMap { (try? $0.records()) ?? [] }
    precondition(rejoined.count == records.count && rejoined.allSatisfy(records.contains), "\(batch) split into other records")
}
