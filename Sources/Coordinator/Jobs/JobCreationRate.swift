/// How fast one org may create jobs: a token bucket per org.
///
/// The running-jobs cap does not bound creation: a job that matches nothing
/// finishes at once, so without this a tenant could create jobs as fast as it
/// can send requests, each kept for 24 hours. Pure: fed with the time.
///
/// ```
/// tokens: 10 ─create─▶ 9 ─ … ─▶ 0 ─create─▶ refused (retry in ≤ 2 s)
///                       ▲ one token back every `refillEvery`, up to `burst`
/// ```
struct JobCreationRate {
    /// Jobs an org may create at once.
    let burst: Int
    /// One more job may be created after each interval this long.
    let refillEvery: Duration
    private var buckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]

    static let standard = JobCreationRate(burst: 10, refillEvery: .seconds(2))

    init(burst: Int, refillEvery: Duration) {
        precondition(burst > 0 && refillEvery > .zero, "a job creation rate needs a positive burst and interval")  // configuration bug
        self.burst = burst
        self.refillEvery = refillEvery
    }

    /// Takes a token for `org` at `now`: nil when it may create a job, else how long until it may.
    mutating func take(for org: String, at now: ContinuousClock.Instant) -> Duration? {
        var (tokens, at) = buckets[org] ?? (Double(burst), now)
        tokens = min(Double(burst), tokens + at.duration(to: now) / refillEvery)
        guard tokens >= 1 else {
            buckets[org] = (tokens, now)
            return refillEvery * (1 - tokens)
        }
        buckets[org] = (tokens - 1, now)
        if buckets.count > Self.maxTracked { forgetFull(at: now) }
        return nil
    }

    /// Orgs tracked before those whose bucket has refilled are forgotten (a full bucket is no entry).
    static let maxTracked = 10_000

    private mutating func forgetFull(at now: ContinuousClock.Instant) {
        buckets = buckets.filter { $0.value.tokens + $0.value.at.duration(to: now) / refillEvery < Double(burst) }
    }
}
