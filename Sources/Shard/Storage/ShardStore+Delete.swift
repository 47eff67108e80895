#if canImport(Glibc)
import Glibc
#endif
import StorageDriver
import Wire

extension ShardStore {
    /// Takes on `assignment`, or returns where it already stands: repeating an
    /// assignment (after a reconnect or a restart) resumes, never restarts.
    func startSlice(_ assignment: SliceAssignment) throws -> SliceProgress {
        if let slice = try slice(assignment.jobId) { return progress(of: slice) }
        let predicate = FilterCompiler.predicate(for: assignment.filter, org: assignment.org)
        let watermark = assignment.watermark
        let total = try database.scalar(
            "SELECT count(*) FROM \(Schema.table(for: assignment.filter.pipeline)) WHERE \(predicate.sql) AND version <= ?",
            predicate.bindings + [.integer(watermark)]
        ).magnitude
        let slice = DeleteSlice(assignment: assignment, total: total)
        let insert = try database.prepare("""
            INSERT INTO delete_slices (job_id, org, requester, filter, watermark, counters, finished, created_at)
            VALUES (?, ?, ?, ?, ?, ?, 0, ?)
            """)
        try insert.bind(assignment.jobId, at: 1)
        try insert.bind(assignment.org, at: 2)
        try insert.bind(assignment.requester, at: 3)
        try insert.bind(bytes: assignment.filter.storedBytes, at: 4)
        try insert.bind(watermark, at: 5)
        try insert.bind(bytes: slice.counters.storedBytes, at: 6)
        try insert.bind(Int64(time(nil)) * 1000, at: 7)
        try insert.execute()
        if slice.outcome.isFinal { try checkpoint(slice) }
        slices[assignment.jobId] = slice
        return progress(of: slice)
    }

    /// Deletes the next batch of at most `limit` of `jobId`'s records in one
    /// transaction with its checkpoint. When nothing matching is left, the slice
    /// finishes: what matched at the start but is gone or no longer matches
    /// counts as skipped.
    func deleteNextBatch(_ jobId: String, limit: Int = BatchSizer.maximum) throws -> SliceProgress {
        guard var slice = try slice(jobId) else { throw StoreError.unknownSlice(jobId) }
        guard !slice.outcome.isFinal else { return progress(of: slice) }
        let now = Int64(time(nil)) * 1000
        let deletedBefore = slice.counters.deleted
        try database.transaction {
            let chosen = try choose(for: slice, limit: limit)
            switch slice.assignment.filter.pipeline {
            case .contact: try deletes.deleteChosenContacts(of: slice.assignment, at: now, counters: &slice.counters)
            case .application: try deletes.deleteChosenApplications(of: slice.assignment, at: now, counters: &slice.counters)
            }
            slice.batchChose(chosen, of: limit)
            try checkpoint(slice)
        }
        reclaim.wrote(deleted: Int(slice.counters.deleted - deletedBefore), at: .now)
        slices[jobId] = slice
        return progress(of: slice)
    }

    /// Sets the next record of `jobId`'s slice aside as failed, with `reason`:
    /// the one a batch of one could not delete. It is counted in `failed`,
    /// never chosen again, and reported once in the progress's `errors`.
    func failNextRecord(_ jobId: String, reason: String) throws -> SliceProgress {
        guard var slice = try slice(jobId) else { throw StoreError.unknownSlice(jobId) }
        guard !slice.outcome.isFinal else { return progress(of: slice) }
        var failed: SliceError?
        try database.transaction {
            guard try choose(for: slice, limit: 1) == 1 else { return }
            let read = try database.prepare("SELECT id FROM \(DeleteStatements.batchTable)")
            guard try read.step() else { return }
            let recordId = read.text(0)
            try database.prepare("INSERT INTO delete_failures (job_id, record_id, message) VALUES (?, ?, ?)")
                .run([.text(jobId), .text(recordId), .text(reason)])
            slice.counters.failed = slice.counters.failed.saturatingAdd(1)
            try checkpoint(slice)
            failed = SliceError(recordId: recordId, message: reason)
        }
        slices[jobId] = slice
        var answer = progress(of: slice)
        answer.errors = failed.map { [$0] } ?? []
        return answer
    }

    /// Fills the batch table with the slice's next `limit` records; how many it chose.
    private func choose(for slice: DeleteSlice, limit: Int) throws -> Int {
        let assignment = slice.assignment
        let predicate = FilterCompiler.predicate(for: assignment.filter, org: assignment.org)
        // Only a slice with failed records pays for leaving them out.
        let skipsFailures = slice.counters.failed > 0
        try deletes.startBatch()
        let bindings = predicate.bindings + [.integer(assignment.watermark)] + (skipsFailures ? [.text(assignment.jobId)] : []) + [.integer(Int64(limit))]
        try statements.withStatement(Self.chooseBatchSQL(assignment.filter.pipeline, predicate, skippingFailuresOf: skipsFailures), bindings) {
            try $0.execute()
        }
        return database.changes
    }

    /// Chooses a batch of `predicate`'s records at or below a watermark (the
    /// first binding after the predicate's), leaving out, when asked, the
    /// records set aside as failed for a job (the next binding), at most a
    /// limit (the last).
    static func chooseBatchSQL(_ pipeline: ContactFilter.Pipeline, _ predicate: SQLPredicate, skippingFailuresOf skips: Bool = false) -> String {
        let table = Schema.table(for: pipeline)
        let failures = skips ? " AND NOT EXISTS (SELECT 1 FROM delete_failures WHERE job_id = ? AND record_id = \(table).id)" : ""
        let access = FilterCompiler.batchAccess(for: predicate, table: table)
        return """
            INSERT INTO \(DeleteStatements.batchTable) (record_rowid, id, assigned_to, name, email, phone)
            SELECT rowid, id, assigned_to, name, email, phone FROM \(table)\(access.index)
            WHERE \(predicate.sql) AND version <= ?\(failures)\(access.order) LIMIT ?
            """
    }

    /// Where a running slice stands right now (its cancel is still on the way).
    func cancelProgress(_ jobId: String) throws -> SliceProgress {
        guard let slice = try slice(jobId) else { throw StoreError.unknownSlice(jobId) }
        return progress(of: slice)
    }

    /// Stops `jobId`'s slice where it stands: nothing more is deleted for it.
    /// A job never assigned here gets a finished, cancelled tombstone, so an
    /// assignment arriving after its cancel cannot start it.
    func cancelSlice(_ jobId: String) throws -> SliceProgress {
        guard var slice = try slice(jobId) else {
            let tombstone = try database.prepare("""
                INSERT INTO delete_slices (job_id, org, requester, filter, watermark, counters, finished, cancelled, created_at)
                VALUES (?, '', '', x'', 0, ?, 1, 1, ?)
                """)
            try tombstone.bind(jobId, at: 1)
            try tombstone.bind(bytes: DeleteCounters().storedBytes, at: 2)
            try tombstone.bind(Int64(time(nil)) * 1000, at: 3)
            try tombstone.execute()
            return SliceProgress(jobId: jobId, shard: UInt32(index), counters: DeleteCounters(), outcome: .cancelled)
        }
        guard !slice.outcome.isFinal else { return progress(of: slice) }
        slice.cancel()
        try checkpoint(slice)
        slices[jobId] = slice
        return progress(of: slice)
    }

    private func checkpoint(_ slice: DeleteSlice) throws {
        try deletes.saveCheckpoint.bind(bytes: slice.counters.storedBytes, at: 1)
        try deletes.saveCheckpoint.bind(slice.outcome.isFinal ? 1 : 0, at: 2)
        try deletes.saveCheckpoint.bind(slice.outcome == .cancelled ? 1 : 0, at: 3)
        try deletes.saveCheckpoint.bind(slice.assignment.jobId, at: 4)
        try deletes.saveCheckpoint.execute()
    }

    /// The slice of `jobId`, from memory or from its checkpoint row.
    private func slice(_ jobId: String) throws -> DeleteSlice? {
        if let slice = slices[jobId] { return slice }
        let read = try database.prepare(
            "SELECT org, requester, filter, watermark, counters, finished, cancelled FROM delete_slices WHERE job_id = ?")
        try read.bind([.text(jobId)])
        guard try read.step() else { return nil }
        // A tombstone (cancelled before it was assigned) has no filter to read.
        let filterBytes = read.blob(2)
        let filter = filterBytes.isEmpty ? ContactFilter() : try ContactFilter(storedBytes: filterBytes)
        let assignment = SliceAssignment(jobId: jobId, org: read.text(0), requester: read.text(1), filter: filter, watermark: read.integer(3))
        let slice = DeleteSlice(
            assignment: assignment, counters: try DeleteCounters(storedBytes: read.blob(4)),
            outcome: read.integer(6) != 0 ? .cancelled : read.integer(5) != 0 ? .finished : .running)
        slices[jobId] = slice
        return slice
    }

    private func progress(of slice: DeleteSlice) -> SliceProgress { slice.progress(shard: index) }
}
