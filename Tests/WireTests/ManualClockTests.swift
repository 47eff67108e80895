import TestSupport
import Testing
@testable import WireRuntime

@Suite struct ManualClockTests {
    @Test func aSleeperWakesWhenTimeReachesItsDeadlineAndNotBefore() async throws {
        let clock = ManualClock()
        let start = clock.now
        let sleeper = Task { try await clock.sleep(for: .seconds(1)) }
        try await waitUntil { clock.sleepers == 1 }
        #expect(clock.nextDeadline == start + .seconds(1))
        clock.advance(by: .milliseconds(999))
        #expect(clock.sleepers == 1, "woke before its deadline")
        clock.advance(by: .milliseconds(1))
        #expect(clock.sleepers == 0)
        try await sleeper.value
        #expect(clock.now == start + .seconds(1))
    }

    @Test func aDeadlineAlreadyPassedReturnsAtOnce() async throws {
        let clock = ManualClock()
        try await clock.sleep(until: clock.now)
        try await clock.sleep(for: .zero)
        #expect(clock.sleepers == 0)
    }

    @Test func cancellingASleeperThrowsAndForgetsIt() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(60)) }
        try await waitUntil { clock.sleepers == 1 }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleepers == 0)
        // Cancelled before it sleeps: it never waits.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(60))
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        #expect(clock.sleepers == 0)
    }

    @Test func onlyTheSleepersWhoseTimeHasComeWake() async throws {
        let clock = ManualClock()
        let sleepers = (1...3).map { seconds in Task { try await clock.sleep(for: .seconds(seconds)) } }
        try await waitUntil { clock.sleepers == 3 }
        clock.advance(by: .seconds(2))
        try await sleepers[0].value
        try await sleepers[1].value
        #expect(clock.sleepers == 1)
        #expect(clock.nextDeadline == clock.now + .seconds(1))
        clock.advance(by: .seconds(1))
        try await sleepers[2].value
    }
}
