import Synchronization

/// A request body handed to a streaming handler piece by piece as it arrives.
///
/// Backpressure: once more than `highWater` bytes wait unread, the producer
/// (the connection, on the loop thread) is told to stop reading the socket;
/// when the handler has taken them down below `lowWater`, `resumeReading` runs.
final class RequestBody: Sendable {
    private struct State {
        var pieces: [[UInt8]] = []
        var buffered = 0
        var finished = false
        var failure: (any Error)?
        var waiter: CheckedContinuation<[UInt8]?, any Error>?
        var paused = false
    }

    /// Unread bytes beyond which the socket is no longer read.
    static let highWater = 1 << 20
    static let lowWater = 256 << 10

    private let state = Mutex(State())
    private let resumeReading: @Sendable () -> Void

    init(resumeReading: @escaping @Sendable () -> Void) {
        self.resumeReading = resumeReading
    }

    /// The next piece, or nil at the end of the body; throws when the client went away.
    func next() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { continuation in
            let resume = state.withLock { state -> Bool in
                if !state.pieces.isEmpty {
                    let piece = state.pieces.removeFirst()
                    state.buffered -= piece.count
                    continuation.resume(returning: piece)
                    guard state.paused, state.buffered < Self.lowWater else { return false }
                    state.paused = false
                    return true
                }
                if let failure = state.failure {
                    continuation.resume(throwing: failure)
                } else if state.finished {
                    continuation.resume(returning: nil)
                } else {
                    state.waiter = continuation
                }
                return false
            }
            if resume { resumeReading() }
        }
    }

    /// Adds a piece; true when the producer should pause reading.
    func append(_ piece: [UInt8]) -> Bool {
        state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                waiter.resume(returning: piece)
                return false
            }
            state.pieces.append(piece)
            state.buffered += piece.count
            guard !state.paused, state.buffered > Self.highWater else { return false }
            state.paused = true
            return true
        }
    }

    func finish() {
        state.withLock { state in
            state.finished = true
            state.waiter?.resume(returning: nil)
            state.waiter = nil
        }
    }

    /// Ends the body with `error` after the pieces already here: what arrived before the body
    /// limit or the idle deadline is still read, and then the handler learns why no more comes.
    func cutShort(_ error: any Error) {
        state.withLock { state in
            guard !state.finished, state.failure == nil else { return }
            state.failure = error
            state.waiter?.resume(throwing: error)
            state.waiter = nil
        }
    }

    /// Ends the body with `error` at once, dropping what was not read: the client is gone, or
    /// the handler has answered.
    func fail(_ error: any Error) {
        state.withLock { state in
            guard !state.finished || !state.pieces.isEmpty else { return }
            state.failure = error
            state.pieces = []
            state.waiter?.resume(throwing: error)
            state.waiter = nil
        }
    }
}
