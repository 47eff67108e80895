/// When a shard gives the space of deleted records back to the file system: once
/// many records were deleted, and its writes have paused a while.
///
/// Deleted rows leave free pages behind. They are reused by later imports, but the
/// file keeps its size: after every contact of a large tenant is deleted, the
/// shards still take as much disk as before (docs/benchmarks.md, "Disk after a
/// large delete"). Giving them back costs writes of its
/// own, so it waits until it is worth it (`deletedRecords`) and until the shard is
/// idle (`idleFor` without a batch or an import), and it stops at the next write.
/// Pure: the caller says what was written and when.
struct ReclaimSchedule: Sendable {
    /// Records deleted past which the space is worth giving back: below it, the free
    /// pages are a few MiB at most, which the next import reuses anyway.
    static let deletedRecords = 10_000
    /// How long the shard must have written nothing (no delete batch, no import chunk)
    /// before it reclaims: long enough that a job's next batch or an import's next
    /// chunk, which come within milliseconds, never meet a reclaim step.
    static let idleFor: Duration = .seconds(5)

    /// Records deleted since space was last given back.
    private(set) var deletedSinceReclaim: Int
    private var lastWrite: ContinuousClock.Instant?

    /// `owing`: space is to be given back without waiting for more deletes (a database
    /// that opens with many free pages).
    init(owing: Bool = false) {
        deletedSinceReclaim = owing ? Self.deletedRecords : 0
    }

    /// The shard wrote at `now` (an import chunk, or a delete batch that deleted `deleted` records).
    mutating func wrote(deleted: Int = 0, at now: ContinuousClock.Instant) {
        deletedSinceReclaim += deleted
        lastWrite = now
    }

    /// Whether to take a step of giving space back at `now`.
    func isDue(at now: ContinuousClock.Instant) -> Bool {
        guard deletedSinceReclaim >= Self.deletedRecords else { return false }
        guard let lastWrite else { return true }
        return now - lastWrite >= Self.idleFor
    }

    /// The space is given back: nothing is owed until the next deletes.
    mutating func reclaimed() {
        deletedSinceReclaim = 0
    }
}
