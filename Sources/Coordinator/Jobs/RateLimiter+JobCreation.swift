import WireRuntime

extension RateLimiter {
    /// How fast one org may create jobs.
    ///
    /// The running-jobs cap does not bound creation: a job that matches nothing
    /// finishes at once, so without this a tenant could create jobs as fast as it
    /// can send requests, each kept for 24 hours.
    static let jobCreation = RateLimiter(burst: 10, refillEvery: .seconds(2))
}
