#if canImport(Glibc)
import Glibc
#endif
import Wire

/// The life cycle of a shard's slices, written once for every engine: take one on (or resume
/// it), do its next batch, set one record aside, cancel it (or leave a tombstone), all with its
/// checkpoint. A store supplies only its statements: one write transaction, the checkpoint
/// row's insert, update and read, a failure's row, and each kind's batch statements.
///
/// Every step that writes is one transaction with its checkpoint: a restarted shard, or one
/// whose commit's fate is unknown (its connection broke), reads the row again and resumes
/// exactly where the last commit left it.
protocol SliceLedger: PartitionStore {
    /// Slices touched since start (or since the storage last went away), by job id; the
    /// checkpoint rows are the truth.
    var slices: [String: StoredSlice] { get set }

    /// The statements of the kind of job `assignment` belongs to.
    func batchStatements(for assignment: SliceAssignment) -> any SliceBatchStatements
    /// Runs `body` as one write transaction: all of it commits, or nothing does.
    func writeTransaction<T>(_ body: () throws -> T) throws -> T
    /// Inserts the checkpoint row of a slice taken on (or of a tombstone) at `now`.
    func insertSliceRow(_ row: SliceRow, at now: Int64) throws
    /// Saves a slice's counters, status and filter (see `SliceRow.init(_:)`) in its row.
    func saveCheckpoint(_ row: SliceRow) throws
    /// Records that `recordId` of `jobId` failed, so its later batches pass it by.
    func insertFailure(jobId: String, recordId: String, reason: String) throws
    /// The checkpoint row of `jobId`; nil when it was never assigned or cancelled here.
    func loadSliceRow(_ jobId: String) throws -> SliceRow?
    /// A committed batch or purge step took `count` records out of storage: housekeeping's cue.
    func deletedRecords(_ count: Int)
}

extension SliceLedger {
    /// Takes on `assignment`, or returns where it already stands: repeating an assignment
    /// (after a reconnect or a restart) resumes, never restarts. Counting what it covers and
    /// recording it are one transaction.
    func startSlice(_ assignment: SliceAssignment) throws -> SliceProgress {
        if let slice = try slice(assignment.jobId) { return slice.progress(shard: index) }
        let slice = try writeTransaction {
            let slice = StoredSlice(assignment: assignment, total: try batchStatements(for: assignment).count(assignment))
            try insertSliceRow(SliceRow(slice), at: Self.now())
            return slice
        }
        slices[assignment.jobId] = slice
        return slice.progress(shard: index)
    }

    /// Does the next batch of at most `limit` of `jobId`'s records in one transaction with its
    /// checkpoint. When nothing matching is left, the slice finishes: what matched at the start
    /// but is gone or no longer matches counts as skipped.
    func runNextBatch(_ jobId: String, limit: Int = BatchSizer.maximum) throws -> SliceProgress {
        guard var slice = try slice(jobId) else { throw StoreError.unknownSlice(jobId) }
        guard !slice.status.isFinal else { return slice.progress(shard: index) }
        let before = slice.counters
        var passedBy: [SliceError] = []
        try writeTransaction {
            passedBy = []
            let chosen = try batchStatements(for: slice.assignment).applyNextBatch(
                of: slice, limit: limit, at: Self.now(), counters: &slice.counters, errors: &passedBy)
            slice.batchChose(chosen, of: limit)
            try saveCheckpoint(SliceRow(slice))
        }
        deletedRecords(Int(Self.removed(by: slice.assignment.kind, from: before, to: slice.counters)))
        slices[jobId] = slice
        var progress = slice.progress(shard: index)
        progress.errors = passedBy
        return progress
    }

    /// Sets the next record of `jobId`'s slice aside as failed, with `reason`: the one a batch
    /// of one could not delete. It is counted in `failed`, never chosen again, and reported
    /// once in the progress's `errors`.
    func failNextRecord(_ jobId: String, reason: String) throws -> SliceProgress {
        guard var slice = try slice(jobId) else { throw StoreError.unknownSlice(jobId) }
        guard !slice.status.isFinal else { return slice.progress(shard: index) }
        let failed: SliceError? = try writeTransaction {
            guard let recordId = try batchStatements(for: slice.assignment).nextRecord(of: slice) else { return nil }
            try insertFailure(jobId: jobId, recordId: recordId, reason: reason)
            slice.counters.failed = slice.counters.failed.saturatingAdd(1)
            try saveCheckpoint(SliceRow(slice))
            return SliceError(recordId: recordId, message: reason)
        }
        slices[jobId] = slice
        var answer = slice.progress(shard: index)
        answer.errors = failed.map { [$0] } ?? []
        return answer
    }

    /// Where a running slice stands right now (its cancel is still on the way).
    func cancelProgress(_ jobId: String) throws -> SliceProgress {
        guard let slice = try slice(jobId) else { throw StoreError.unknownSlice(jobId) }
        return slice.progress(shard: index)
    }

    /// Stops `jobId`'s slice where it stands: nothing more is done for it. A job never
    /// assigned here gets a cancelled tombstone, so an assignment arriving after its cancel
    /// cannot start it.
    func cancelSlice(_ jobId: String) throws -> SliceProgress {
        guard var slice = try slice(jobId) else {
            let tombstone = SliceRow.tombstone(jobId)
            try writeTransaction { try insertSliceRow(tombstone, at: Self.now()) }
            return try tombstone.slice().progress(shard: index)
        }
        guard !slice.status.isFinal else { return slice.progress(shard: index) }
        slice.cancel()
        try writeTransaction { try saveCheckpoint(SliceRow(slice)) }
        slices[jobId] = slice
        return slice.progress(shard: index)
    }

    /// The records a batch of `kind` took out of storage, given its slice's counters before and
    /// after it. A delete's are those it deleted. A restore's are those it passed by, whose kept
    /// copies went with nothing put back for them; what it restored only moved back to a live
    /// table, and leaves no space behind.
    private static func removed(by kind: JobKind, from before: DeleteCounters, to after: DeleteCounters) -> UInt64 {
        switch kind {
        case .delete: after.deleted.saturatingSubtract(before.deleted)
        case .restore: after.skipped.saturatingSubtract(before.skipped)
        }
    }

    /// The slice of `jobId`, from memory or from its checkpoint row.
    private func slice(_ jobId: String) throws -> StoredSlice? {
        if let slice = slices[jobId] { return slice }
        guard let slice = try loadSliceRow(jobId)?.slice() else { return nil }
        slices[jobId] = slice
        return slice
    }

    /// What a row records as its time: Unix epoch milliseconds, to the second.
    private static func now() -> Int64 { Int64(time(nil)) * 1000 }
}
