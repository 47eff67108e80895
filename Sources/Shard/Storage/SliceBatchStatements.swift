import Wire

/// What one kind of job does to a slice's records, in one engine's statements. The life cycle
/// around it (`SliceLedger`) is the same for every kind: a new kind (a restore, a purge)
/// adds a type of these for each engine and a case in each store's `batchStatements(for:)`.
///
/// Each method runs inside the caller's write transaction.
protocol SliceBatchStatements {
    /// How many records `assignment` covers when its slice is taken on.
    func count(_ assignment: SliceAssignment) throws -> UInt64
    /// Does the next batch of at most `limit` of `slice`'s records, adding what it touched to
    /// `counters` and the records it passed by with a reason (a restore's "id in use", counted in
    /// `skipped`) to `errors`; how many records it chose (fewer than `limit`: none is left).
    func applyNextBatch(of slice: StoredSlice, limit: Int, at now: Int64, counters: inout DeleteCounters, errors: inout [SliceError]) throws -> Int
    /// The id of `slice`'s next record (the one a batch of one could not do); nil when none is left.
    func nextRecord(of slice: StoredSlice) throws -> String?
}
