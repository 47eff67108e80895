/// How fast each key (an org) may do something: a token bucket per key.
///
/// Job creation (the coordinator) and reads (the gateway) are limited per org
/// with it. Pure: fed with the time. The bucket is kept as the instant it is full
/// again (the generic cell rate algorithm), which is the same limit in exact time.
///
/// ```
/// tokens: burst ─take─▶ burst-1 ─ … ─▶ 0 ─take─▶ refused (retry in ≤ refillEvery)
///                         ▲ one token back every `refillEvery`, up to `burst`
/// ```
package struct RateLimiter: Sendable {
    /// Takes a key may make at once.
    package let burst: Int
    /// One more take is allowed after each interval this long.
    package let refillEvery: Duration
    /// When each key's bucket is full again (the generic cell rate algorithm's "theoretical arrival
    /// time"): whole durations, not fractional tokens, so a wait comes out exact (a fraction of a
    /// token times the interval rounded a wait of 1 s to 1.0000000002 s, a Retry-After of 2).
    private var fullAt: [String: ContinuousClock.Instant] = [:]

    package init(burst: Int, refillEvery: Duration) {
        precondition(burst > 0 && refillEvery > .zero, "a rate limit needs a positive burst and interval")  // configuration bug
        self.burst = burst
        self.refillEvery = refillEvery
    }

    /// Takes a token for `key` at `now`: nil when it may go ahead, else how long until it may.
    package mutating func take(for key: String, at now: ContinuousClock.Instant) -> Duration? {
        let full = max(fullAt[key] ?? now, now)
        // Tokens missing now, as time: a take is allowed while at least one of `burst` is left.
        let owed = now.duration(to: full)
        let allowance = refillEvery * (burst - 1)
        guard owed <= allowance else { return owed - allowance }
        fullAt[key] = full + refillEvery
        if fullAt.count > Self.maxTracked { forgetFull(at: now) }
        return nil
    }

    /// A wait as a `Retry-After` value: whole seconds, rounded up, at least 1.
    package static func retryAfterSeconds(_ wait: Duration) -> UInt32 {
        max(1, UInt32(clamping: wait.components.seconds + (wait.components.attoseconds > 0 ? 1 : 0)))
    }

    /// Keys tracked before those whose bucket has refilled are forgotten (a full bucket is no entry).
    package static let maxTracked = 10_000

    private mutating func forgetFull(at now: ContinuousClock.Instant) {
        fullAt = fullAt.filter { $0.value > now }
    }
}
