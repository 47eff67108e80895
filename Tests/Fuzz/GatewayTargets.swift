import Wire

/// The gateway's parsers of what clients send. Each must refuse bad input with an error,
/// never crash, and where a property is cheap to state, keep it.
let fuzzTargets: [String: @Sendable ([UInt8]) -> Void] = [
    "http-request": { bytes in
        // The first byte says how the rest arrives; pieces must parse as the whole does.
        guard let first = bytes.first else { return }
        let stream = Array(bytes.dropFirst())
        precondition(
            HTTPFuzz.events(stream, piece: Int(first) + 1) == HTTPFuzz.events(stream, piece: max(stream.count, 1)),
            "the parse depends on how the bytes were split")
    },
    "import-line": { bytes in
        _ = try? ImportLineParser(now: 1_767_607_200_000).parse(bytes[...])
    },
    "filter": { bytes in
        // A filter that parses is kept as canonical JSON: that must parse back to the same filter.
        guard let filter = try? FilterParser.parse(bytes, requester: "user-1") else { return }
        let canonical = FilterJSON.render(filter)
        precondition((try? FilterParser.parse(Array(canonical.utf8), requester: "user-1")) == filter, "\(canonical) reads back differently")
        precondition(canonical.utf8.count <= FilterParser.maxFilterBytes, "a filter over its size limit was accepted")
    },
    "token": { bytes in
        let verifier = TokenVerifier(secret: Array("fuzz-secret".utf8))
        _ = try? verifier.verify(authorization: "Bearer " + String(decoding: bytes, as: UTF8.self), now: 1_767_607_200)
    },
]

/// What a parser made of a byte stream, comparable however the stream was split.
enum HTTPFuzz {
    struct Outcome: Equatable {
        var heads: [HTTPRequestHead] = []
        var bodies: [[UInt8]] = []
        var error: HTTPParseError?
    }

    static func events(_ stream: [UInt8], piece: Int) -> Outcome {
        var parser = HTTPRequestParser(limits: .standard, bodyLimit: { _ in 1 << 16 })
        var outcome = Outcome()
        var offset = 0
        repeat {
            let end = min(offset + piece, stream.count)
            parser.append(stream[offset..<end])
            offset = end
            do {
                while let event = try parser.next() {
                    switch event {
                    case .head(let head):
                        outcome.heads.append(head)
                        outcome.bodies.append([])
                    case .body(let chunk): outcome.bodies[outcome.bodies.count - 1] += chunk
                    case .end: break
                    }
                }
            } catch {
                outcome.error = error
                return outcome
            }
        } while offset < stream.count
        return outcome
    }
}
