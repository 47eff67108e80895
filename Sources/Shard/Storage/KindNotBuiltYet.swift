import Wire

/// Scaffolding for issue 25's helpers: a kind whose statements are not written yet.
struct KindNotBuiltYet: SliceBatchStatements {
    func count(_ assignment: SliceAssignment) throws -> UInt64 {
        throw StoreError.unknownSliceKind(jobId: assignment.jobId, kind: Int64(assignment.kind.rawValue))
    }

    func applyNextBatch(of slice: StoredSlice, limit: Int, at now: Int64, counters: inout DeleteCounters, errors: inout [SliceError]) throws -> Int {
        throw StoreError.unknownSliceKind(jobId: slice.assignment.jobId, kind: Int64(slice.assignment.kind.rawValue))
    }

    func nextRecord(of slice: StoredSlice) throws -> String? { nil }
}
