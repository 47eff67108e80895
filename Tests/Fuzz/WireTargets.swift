import Wire

/// The frame decoder: bytes from a peer, in pieces, never crash it; whatever it decodes
/// encodes back to a frame that decodes to the same message, a call in it opens as its
/// family the same way, and an import batch in it splits by shard into exactly its records.
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
                    if case .request(_, let frame) = message { checkCall(frame) }
                }
            } catch {
                return
            }
        }
    },
]

/// A call that opens as its conversation's family survives its own encoding too, and an
/// import batch in it splits by shard into exactly its records.
private func checkCall(_ frame: CallFrame) {
    switch frame.conversation {
    case .gatewayToCoordinator:
        if case .importRecords(let call) = reopened(frame, as: GatewayCall.self) { checkSplit(call.records) }
    case .coordinatorToShard:
        if case .importRecords(let call) = reopened(frame, as: CoordinatorCall.self) { checkSplit(call.records) }
    case .shardToCoordinator:
        _ = reopened(frame, as: ShardCall.self)
    case .operatorToCoordinator:
        _ = reopened(frame, as: OperatorCall.self)
    }
}

/// `frame`'s call as `Family`, checked to decode to itself after its own encoding; nil when it does not open.
private func reopened<Family: CallFamily>(_ frame: CallFrame, as family: Family.Type) -> Family? {
    guard let call = try? frame.open(as: family, by: "the fuzzer") else { return nil }
    precondition((try? CallFrame(call).open(as: family, by: "the fuzzer")) == call, "\(call) did not survive its own encoding")
    return call
}

/// A batch's records are decoded only where they are used; a batch whose records decode
/// splits into parts that hold those same records, and no others.
private func checkSplit(_ batch: ImportBatch) {
    guard let records = try? batch.records() else { return }
    guard let parts = try? batch.split(by: { $0.utf8.count % 3 }) else { preconditionFailure("\(batch) decodes but does not split") }
    let rejoined = parts.values.flatMap { (try? $0.records()) ?? [] }
    precondition(rejoined.count == records.count && rejoined.allSatisfy(records.contains), "\(batch) split into other records")
}
