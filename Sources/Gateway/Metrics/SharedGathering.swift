/// A value that is costly to gather (the cluster's metrics, asked of every shard), gathered at
/// most once per `period`: callers within the period get the last value, and callers while a
/// gathering runs wait for that one rather than starting their own.
actor SharedGathering<Value: Sendable> {
    let period: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let gather: @Sendable () async -> Value
    /// The last value and when its gathering ended.
    private var latest: (value: Value, at: ContinuousClock.Instant)?
    private var running: Task<Value, Never>?

    /// `now` is the clock the period is measured by: tests pass their own.
    init(period: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }, gather: @escaping @Sendable () async -> Value) {
        self.period = period
        self.now = now
        self.gather = gather
    }

    func value() async -> Value {
        if let latest, latest.at.duration(to: now()) < period { return latest.value }
        if let running { return await running.value }
        let task = Task { await gather() }
        running = task
        let value = await task.value
        latest = (value, now())
        running = nil
        return value
    }
}
