import Synchronization

/// A clock that stands still until a test moves it: `advance(by:)` resumes, earliest first, every
/// sleeper whose deadline has come (the woken tasks then run in any order: a test must not rely on it). In the spirit of swift-nio's `EmbeddedEventLoop.advanceTime(by:)`.
///
/// It starts at the system's `now` so that its instants mix with any a test takes itself.
package final class ManualClock: ProcessClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: ContinuousClock.Instant
        var sleepers: [Sleeper] = []
        var lastID: UInt64 = 0
    }

    private let state: Mutex<State>

    package init(startingAt now: ContinuousClock.Instant = .now) {
        state = Mutex(State(now: now))
    }

    package var now: ContinuousClock.Instant { state.withLock { $0.now } }

    /// Tasks waiting on this clock: a test waits for a loop to reach its sleep before moving time.
    package var sleepers: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline anyone waits for, or nil when nobody waits.
    package var nextDeadline: ContinuousClock.Instant? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    package func sleep(until deadline: ContinuousClock.Instant) async throws {
        let id = state.withLock { state in
            state.lastID += 1
            return state.lastID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Decided under the lock that the cancellation handler takes: a cancel that came
                // before this point is seen here (the flag is set before handlers run); one that
                // comes after finds the sleeper listed and takes it out.
                enum Decision { case wait, wake, cancelled }
                let decision: Decision = state.withLock { state in
                    if Task.isCancelled { return .cancelled }
                    if deadline <= state.now { return .wake }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return .wait
                }
                switch decision {
                case .wait: break
                case .wake: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward by `duration` and wakes whoever it is now time for.
    package func advance(by duration: Duration) {
        precondition(duration >= .zero, "a clock never goes back")  // a test's bug
        let due = state.withLock { state -> [Sleeper] in
            state.now = state.now + duration
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
