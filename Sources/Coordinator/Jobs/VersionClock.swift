/// Hands out the cluster-wide versions that order imports against jobs.
///
/// Every import batch is stamped with a new version before any shard writes
/// it, and every job takes one when it is registered: a record belongs to a
/// job's snapshot exactly when its version is at most the job's. So what a
/// job deletes is fixed at its 202, whenever each shard hears of it.
///
/// Versions are microseconds since the epoch, or one more than the last when
/// the clock has not moved (or went back): strictly increasing, and far above
/// the per-shard counters that databases from before the cluster-wide clock
/// hold, so every such row is older than any job registered now. Pure: the
/// owner persists `last` and feeds the time in.
struct VersionClock: Equatable {
    private(set) var last: Int64

    init(last: Int64) { self.last = last }

    /// The next version at wall-clock time `microseconds`.
    mutating func next(atMicroseconds microseconds: Int64) -> Int64 {
        last = max(last &+ 1, microseconds)
        return last
    }
}
