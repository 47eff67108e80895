/// The time a process reads and waits on: the system's in production, a `ManualClock` in tests,
/// which move time instead of sleeping for it.
///
/// Instants are `ContinuousClock.Instant` whichever clock gives them, so the pure state machines
/// that take `now` (`RateLimiter`, `ShardRoster`, `Pace`) are fed from either without change.
package protocol ProcessClock: Sendable {
    var now: ContinuousClock.Instant { get }
    /// Returns at `deadline` (at once when it has passed); throws `CancellationError` when the
    /// waiting task is cancelled first.
    func sleep(until deadline: ContinuousClock.Instant) async throws
}

extension ProcessClock {
    /// Returns `duration` from now; throws `CancellationError` when the waiting task is cancelled first.
    package func sleep(for duration: Duration) async throws {
        try await sleep(until: now + duration)
    }

    /// Runs `body` at once, then again `interval` after each run has ended, until the calling task
    /// is cancelled: every periodic loop of a process (heartbeats, housekeeping, sweeps, dispatch
    /// rounds) waits on its clock this way, so a test moves time through it.
    package func every(_ interval: Duration, isolation: isolated (any Actor)? = #isolation, _ body: () async -> Void) async {
        while !Task.isCancelled {
            await body()
            try? await sleep(for: interval)
        }
    }
}

/// The operating system's monotonic clock, which keeps counting while the machine sleeps.
package struct SystemClock: ProcessClock {
    package init() {}

    package var now: ContinuousClock.Instant { .now }

    package func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await Task.sleep(until: deadline, clock: .continuous)
    }
}
