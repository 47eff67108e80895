#if canImport(Glibc)
import Glibc
#endif
import Wire

/// A delete slice as the store keeps it between batches.
struct DeleteSlice {
    /// What to delete; rows above its watermark were imported after the job was registered and are left alone.
    let assignment: SliceAssignment
    var counters: DeleteCounters
    var finished: Bool
    var cancelled = false
}

extension ShardStore {
    /// Records needed per delete batch; each batch is one transaction.
    /// Chosen with `scripts/bench delete` (see docs/benchmarks.md).
    static let deleteBatchSize = 10_000

    /// Takes on `assignment`, or returns where it already stands: repeating an
    /// assignment (after a reconnect or a restart) resumes, never restarts.
    func startSlice(_ assignment: SliceAssignment) throws -> SliceProgress {
        if let slice = try slice(assignment.jobId) { return progress(of: slice) }
        var counters = DeleteCounters()
        let predicate = FilterCompiler.predicate(for: assignment.filter, org: assignment.org)
        let watermark = assignment.watermark
        counters.total = try database.scalar(
            "SELECT count(*) FROM \(Schema.table(for: assignment.filter.pipeline)) WHERE \(predicate.sql) AND version <= ?",
            predicate.bindings + [.integer(watermark)]
        ).magnitude
        var filterWriter = WireWriter()
        filterWriter.write(assignment.filter)
        let insert = try database.prepare("""
            INSERT INTO delete_slices (job_id, org, requester, filter, watermark, counters, finished, created_at)
            VALUES (?, ?, ?, ?, ?, ?, 0, ?)
            """)
        try insert.bind(assignment.jobId, at: 1)
        try insert.bind(assignment.org, at: 2)
        try insert.bind(assignment.requester, at: 3)
        try insert.bind(bytes: filterWriter.bytes, at: 4)
        try insert.bind(watermark, at: 5)
        try insert.bind(bytes: Self.encode(counters), at: 6)
        try insert.bind(Int64(time(nil)) * 1000, at: 7)
        try insert.execute()
        let slice = DeleteSlice(assignment: assignment, counters: counters, finished: counters.total == 0)
        if slice.finished { try checkpoint(slice) }
        slices[assignment.jobId] = slice
        return progress(of: slice)
    }

    /// Deletes the next batch of `jobId`'s slice in one transaction with its
    /// checkpoint. When nothing matching is left, the slice finishes: what
    /// matched at the start but is gone or no longer matches counts as skipped.
    func deleteNextBatch(_ jobId: String) throws -> SliceProgress {
        guard var slice = try slice(jobId) else { throw StoreError.unknownSlice(jobId) }
        guard !slice.finished else { return progress(of: slice) }
        let assignment = slice.assignment
        let predicate = FilterCompiler.predicate(for: assignment.filter, org: assignment.org)
        let choose = try cachedStatement(Self.chooseBatchSQL(assignment.filter.pipeline, predicate))
        let now = Int64(time(nil)) * 1000
        try database.transaction {
            try deletes.startBatch()
            try choose.run(predicate.bindings + [.integer(assignment.watermark), .integer(Int64(Self.deleteBatchSize))])
            let chosen = database.changes
            switch assignment.filter.pipeline {
            case .contact: try deletes.deleteChosenContacts(of: assignment, at: now, counters: &slice.counters)
            case .application: try deletes.deleteChosenApplications(of: assignment, at: now, counters: &slice.counters)
            }
            if chosen < Self.deleteBatchSize {
                slice.finished = true
                slice.counters.skipped = slice.counters.total - slice.counters.deleted - slice.counters.failed
            }
            try checkpoint(slice)
        }
        slices[jobId] = slice
        return progress(of: slice)
    }

    /// Chooses a batch of `predicate`'s records at or below a watermark (the
    /// first binding after the predicate's), at most a limit (the second).
    static func chooseBatchSQL(_ pipeline: ContactFilter.Pipeline, _ predicate: SQLPredicate) -> String {
        """
        INSERT INTO \(DeleteStatements.batchTable) (record_rowid, id, assigned_to, name, email, phone)
        SELECT rowid, id, assigned_to, name, email, phone FROM \(Schema.table(for: pipeline))
        WHERE \(predicate.sql) AND version <= ?\(FilterCompiler.batchOrder(for: predicate)) LIMIT ?
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
            try tombstone.bind(bytes: Self.encode(DeleteCounters()), at: 2)
            try tombstone.bind(Int64(time(nil)) * 1000, at: 3)
            try tombstone.execute()
            return SliceProgress(jobId: jobId, shard: UInt32(index), counters: DeleteCounters(), finished: true, cancelled: true, errors: [])
        }
        guard !slice.finished else { return progress(of: slice) }
        slice.finished = true
        slice.cancelled = true
        try checkpoint(slice)
        slices[jobId] = slice
        return progress(of: slice)
    }

    private func checkpoint(_ slice: DeleteSlice) throws {
        try deletes.saveCheckpoint.bind(bytes: Self.encode(slice.counters), at: 1)
        try deletes.saveCheckpoint.bind(slice.finished ? 1 : 0, at: 2)
        try deletes.saveCheckpoint.bind(slice.cancelled ? 1 : 0, at: 3)
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
        var countersReader = WireReader(read.blob(4))
        // A tombstone (cancelled before it was assigned) has no filter to read.
        let filterBytes = read.blob(2)
        var filterReader = WireReader(filterBytes)
        let filter = filterBytes.isEmpty ? ContactFilter() : try filterReader.read() as ContactFilter
        let assignment = SliceAssignment(jobId: jobId, org: read.text(0), requester: read.text(1), filter: filter, watermark: read.integer(3))
        let slice = DeleteSlice(
            assignment: assignment, counters: try countersReader.read(), finished: read.integer(5) != 0,
            cancelled: read.integer(6) != 0)
        slices[jobId] = slice
        return slice
    }

    private func progress(of slice: DeleteSlice) -> SliceProgress {
        SliceProgress(
            jobId: slice.assignment.jobId, shard: UInt32(index), counters: slice.counters, finished: slice.finished, cancelled: slice.cancelled,
            errors: [])
    }

    private static func encode(_ counters: DeleteCounters) -> [UInt8] {
        var writer = WireWriter()
        writer.write(counters)
        return writer.bytes
    }
}
