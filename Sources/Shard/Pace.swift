/// A throttled slice's pace: a batch of n records may start n / rate seconds after
/// the one before it started, so the slice deletes `recordsPerSecond` on average. Pure.
///
/// Batches are cut to half a second's worth at most, so a low rate moves in small
/// steps rather than a large batch and then a long wait.
struct Pace {
    let recordsPerSecond: Double
    /// When the next batch may start.
    private(set) var due: ContinuousClock.Instant

    /// How much of a second's worth one batch takes at most.
    static let batchShare = 0.5

    init(recordsPerSecond: Double, startingAt now: ContinuousClock.Instant = .now) {
        precondition(recordsPerSecond > 0 && recordsPerSecond.isFinite, "a pace needs a positive rate")  // the gateway refuses others
        self.recordsPerSecond = recordsPerSecond
        due = now
    }

    func isDue(at now: ContinuousClock.Instant) -> Bool { now >= due }

    /// The size of the next batch: `size`, or fewer when that is over half a second's worth.
    func batchSize(atMost size: Int) -> Int {
        max(1, min(size, Int(recordsPerSecond * Self.batchShare)))
    }

    /// A batch of `records` started at `start`: the next may start once they are paid for.
    mutating func batchStarted(at start: ContinuousClock.Instant, records: Int) {
        due = start + .seconds(Double(records) / recordsPerSecond)
    }
}
