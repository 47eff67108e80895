import Synchronization
import WireRuntime

/// How fast one org may read (counts, queries, stats, audit and notification
/// pages, contact lookups): a `RateLimiter` per org, as for job creation.
///
/// Each of these reads reaches every shard, and a shard has a few read
/// connections for every tenant; so one tenant's loop of reads would queue
/// everyone's. Job polls are not limited: the gateway answers them from its copy.
final class ReadRate: Sendable {
    /// Reads an org may make a second, on average: far above a dashboard's or a
    /// script's polling, far below what fills a shard's readers.
    static let standardPerSecond = 50
    /// An org may read this many seconds' worth at once (a page that loads a few views).
    static let burstSeconds = 2

    let perSecond: Int
    private let limiter: Mutex<RateLimiter>
    /// Where refusals are logged, a line per org now and then (`RefusalLogGate`); nil: not logged.
    private let refusals: RefusalLog?
    /// The time `limited` reads take at.
    private let clock: any ProcessClock

    init(perSecond: Int = ReadRate.standardPerSecond, refusals: RefusalLog? = nil, clock: any ProcessClock = SystemClock()) {
        precondition(perSecond > 0, "a read rate must be positive")  // GatewayOptions checks the flag
        self.perSecond = perSecond
        self.refusals = refusals
        self.clock = clock
        limiter = Mutex(RateLimiter(burst: perSecond * Self.burstSeconds, refillEvery: .seconds(1) / perSecond))
    }

    /// Takes one of `org`'s reads at `now`, or throws the 429 that says when to retry.
    func take(for org: String, at now: ContinuousClock.Instant) throws(APIError) {
        guard let wait = limiter.withLock({ $0.take(for: org, at: now) }) else { return }
        let seconds = RateLimiter.retryAfterSeconds(wait)
        refusals?.refused(org: org, "429 on a read: faster than \(perSecond) reads a second", at: now)
        throw .tooManyRequests(
            "Your organization reads faster than \(perSecond) requests a second (\(perSecond * Self.burstSeconds) at once); "
                + "retry in \(seconds) s, and poll less often.",
            retryAfterSeconds: seconds)
    }

    /// `endpoint`, answering 429 instead when its caller's org reads too fast.
    func limited(
        _ endpoint: @escaping @Sendable (HTTPRequest, Claims) async throws(APIError) -> HTTPResponse
    ) -> @Sendable (HTTPRequest, Claims) async throws(APIError) -> HTTPResponse {
        { [self] request, claims throws(APIError) in
            try take(for: claims.orgId, at: clock.now)
            return try await endpoint(request, claims)
        }
    }
}
