import Wire

/// A slice of a job, of any kind, as the store keeps it between batches.
struct StoredSlice {
    /// Which records, and what to do to them (its kind); rows above its watermark were imported
    /// after the job was registered and are left alone.
    let assignment: SliceAssignment
    var counters: DeleteCounters
    /// Running, finished or cancelled; a failure is reported, not stored (the coordinator keeps it).
    var status: SliceStatus

    /// A slice just taken on, `total` records matching: finished at once when none do.
    init(assignment: SliceAssignment, total: UInt64) {
        self.assignment = assignment
        counters = DeleteCounters()
        counters.total = total
        status = total == 0 ? .finished : .running
    }

    init(assignment: SliceAssignment, counters: DeleteCounters, status: SliceStatus) {
        self.assignment = assignment
        self.counters = counters
        self.status = status
    }

    /// A batch chose `chosen` of at most `limit` records: fewer means nothing matching is left,
    /// and the slice finishes; what matched at the start but is gone or no longer matches is skipped.
    mutating func batchChose(_ chosen: Int, of limit: Int) {
        guard chosen < limit else { return }
        status = .finished
        counters.skipped = counters.total.saturatingSubtract(counters.deleted.saturatingAdd(counters.failed))
    }

    /// Stops the slice where it stands; when nothing was left to stop, the cancel came too late.
    mutating func cancel() {
        status = counters.remaining == 0 ? .finished : .cancelled
    }

    /// This slice's progress, as shard `shard` reports it.
    func progress(shard: Int) -> SliceProgress {
        SliceProgress(jobId: assignment.jobId, shard: UInt32(shard), counters: counters, outcome: status.outcome)
    }
}
