import Wire

/// A slice's checkpoint row, as every engine stores it in `delete_slices`: the assignment (its
/// kind among it), the counters (with their layout byte), the status and the filter (a final
/// permanent delete's without its search term), written in the transaction of each batch.
struct SliceRow {
    let jobId: String
    /// A `JobKind` raw value: a restarted shard resumes a slice as the kind it was assigned as.
    let kind: Int64
    let org: String
    let requester: String
    /// The filter's stored bytes; empty for a tombstone, which has none.
    let filter: [UInt8]
    let watermark: Int64
    let counters: [UInt8]
    /// A `SliceStatus` raw value.
    let status: Int64
    /// A delete that keeps no copy of what it deletes.
    var permanent = false
    /// A restore's delete job.
    var restores: String? = nil
}

extension SliceRow {
    /// The row of `slice` as it stands. A permanent delete keeps nothing personal: once its
    /// slice is final the filter is never read again, so the row keeps it without its search
    /// term; a running one keeps it whole, to resume exactly.
    init(_ slice: StoredSlice) {
        let assignment = slice.assignment
        let filter = assignment.permanent && slice.status.isFinal ? assignment.filter.redacted : assignment.filter
        self.init(
            jobId: assignment.jobId, kind: Int64(assignment.kind.rawValue), org: assignment.org, requester: assignment.requester,
            filter: filter.storedBytes, watermark: assignment.watermark, counters: slice.counters.storedBytes,
            status: slice.status.rawValue, permanent: assignment.permanent, restores: assignment.restores)
    }

    /// The row of a job cancelled before it was assigned here: nothing to do, and an
    /// assignment that arrives after the cancel finds it and cannot start. Its kind is unknown
    /// and never read (a cancelled slice runs no batch): delete, as the column's default.
    static func tombstone(_ jobId: String) -> SliceRow {
        SliceRow(
            jobId: jobId, kind: Int64(JobKind.delete.rawValue), org: "", requester: "", filter: [], watermark: 0,
            counters: DeleteCounters().storedBytes, status: SliceStatus.cancelled.rawValue)
    }

    /// The slice this row keeps; throws when a blob, the kind or the status does not read.
    func slice() throws -> StoredSlice {
        guard let kind = UInt8(exactly: kind).flatMap(JobKind.init(rawValue:)) else {
            throw StoreError.unknownSliceKind(jobId: jobId, kind: kind)
        }
        guard let status = SliceStatus(rawValue: status) else { throw StoreError.unknownSliceStatus(jobId: jobId, status: status) }
        let filter = filter.isEmpty ? ContactFilter() : try ContactFilter(storedBytes: filter)
        return StoredSlice(
            assignment: SliceAssignment(
                jobId: jobId,
                spec: JobSpec(kind: kind, org: org, requester: requester, filter: filter, permanent: permanent, restores: restores),
                watermark: watermark),
            counters: try DeleteCounters(storedBytes: counters), status: status)
    }
}
