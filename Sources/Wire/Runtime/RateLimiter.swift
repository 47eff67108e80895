/// How fast each key (an org) may do something: a token bucket per key.
///
/// Job creation (the coordinator) and reads (the gateway) are limited per org
/// with it. Pure: fed with the time.
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
    private var buckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]

    package init(burst: Int, refillEvery: Duration) {
        precondition(burst > 0 && refillEvery > .zero, "a rate limit needs a positive burst and interval")  // configuration bug
        self.burst = burst
        self.refillEvery = refillEvery
    }

    /// Takes a token for `key` at `now`: nil when it may go ahead, else how long until it may.
    package mutating func take(for key: String, at now: ContinuousClock.Instant) -> Duration? {
        var (tokens, at) = buckets[key] ?? (Double(burst), now)
        tokens = min(Double(burst), tokens + at.duration(to: now) / refillEvery)
        guard tokens >= 1 else {
            buckets[key] = (tokens, now)
            return refillEvery * (1 - tokens)
        }
        buckets[key] = (tokens - 1, now)
        if buckets.count > Self.maxTracked { forgetFull(at: now) }
        return nil
    }

    /// A wait as a `Retry-After` value: whole seconds, rounded up, at least 1.
    package static func retryAfterSeconds(_ wait: Duration) -> UInt32 {
        max(1, UInt32(clamping: wait.components.seconds + (wait.components.attoseconds > 0 ? 1 : 0)))
    }

    /// Keys tracked before those whose bucket has refilled are forgotten (a full bucket is no entry).
    package static let maxTracked = 10_000

    private mutating func forgetFull(at now: ContinuousClock.Instant) {
        buckets = buckets.filter { $0.value.tokens + $0.value.at.duration(to: now) / refillEvery < Double(burst) }
    }
}
