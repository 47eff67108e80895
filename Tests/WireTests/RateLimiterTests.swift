import Testing
import WireRuntime

/// A token bucket per key, fed with the time: no sleeps.
@Suite struct RateLimiterTests {
    let start = ContinuousClock.now

    @Test func aBurstThenOneTakePerIntervalPerKey() {
        var rate = RateLimiter(burst: 3, refillEvery: .seconds(2))
        let burst = (0..<3).map { _ in rate.take(for: "o", at: start) }
        #expect(burst == [nil, nil, nil])
        #expect(rate.take(for: "o", at: start) == .seconds(2))
        #expect(rate.take(for: "other", at: start) == nil)  // another key has its own bucket
        #expect(rate.take(for: "o", at: start + .seconds(1)) == .seconds(1))
        #expect(rate.take(for: "o", at: start + .seconds(2)) == nil)
        // Refilled, never past the burst.
        let later = start + .seconds(60)
        #expect((0..<4).map { _ in rate.take(for: "o", at: later) } == [nil, nil, nil, .seconds(2)])
    }

    /// Every wait comes out exact, so a Retry-After is never a second too long: 59 s into a
    /// 60 s refill the wait is 1 s, not 1 s and a rounding error (which rounds up to 2).
    @Test(arguments: 1...59)
    func aWaitIsExactAtEverySecondOfARefill(elapsed: Int) {
        var rate = RateLimiter(burst: 1, refillEvery: .seconds(60))
        #expect(rate.take(for: "o", at: start) == nil)
        let wait = rate.take(for: "o", at: start + .seconds(elapsed))
        #expect(wait == .seconds(60 - elapsed))
        #expect(wait.map(RateLimiter.retryAfterSeconds) == UInt32(60 - elapsed))
    }

    @Test(arguments: [
        (Duration.milliseconds(1), UInt32(1)), (.zero, 1), (.seconds(1), 1), (.milliseconds(1_001), 2), (.seconds(30), 30),
    ])
    func aWaitIsRetryAfterInWholeSecondsRoundedUp(wait: Duration, seconds: UInt32) {
        #expect(RateLimiter.retryAfterSeconds(wait) == seconds)
    }
}
