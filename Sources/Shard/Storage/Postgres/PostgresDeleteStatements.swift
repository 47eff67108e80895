import PostgresDriver
import Wire

/// PostgreSQL's statements for a delete slice's batches: each batch is one statement
/// (`PostgresDeleteBatch`), run inside the caller's transaction.
struct PostgresDeleteStatements: SliceBatchStatements {
    let connection: PostgresConnection

    func count(_ assignment: SliceAssignment) throws -> UInt64 {
        let predicate = PostgresPredicate(for: assignment.filter, org: assignment.org)
        return try connection.scalar(
            "SELECT count(*) FROM \(assignment.filter.pipeline.table) WHERE \(predicate.sql) AND version <= $\(predicate.nextParameter)",
            predicate.bindings + [.integer(assignment.watermark)]
        ).magnitude
    }

    func applyNextBatch(of slice: StoredSlice, limit: Int, at now: Int64, counters: inout DeleteCounters, errors: inout [SliceError]) throws -> Int {
        // A batch reads by index, never a whole table, so its cost does not grow with the table.
        // One plan for every batch, the generic one: left to choose, the server plans the first
        // five batches, and any after an ANALYZE, with their values, and such a plan may sort
        // every remaining match of the org for each batch. And no sequential scan: not knowing
        // how wide a batch's range is, the generic plan sometimes read all of `messages` for each
        // batch. What each cost: docs/benchmarks.md, "Where the delete's time went".
        try connection.execute("SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off")
        let batch = PostgresDeleteBatch(slice: slice, limit: limit, now: now)
        let counts = try connection.query(batch.sql, batch.bindings)
        counters.deleted += UInt64(counts.integer(0, 1))
        counters.conversations += UInt64(counts.integer(0, 2))
        counters.messages += UInt64(counts.integer(0, 3))
        counters.auditEntries += UInt64(counts.integer(0, 4))
        counters.notifications += UInt64(counts.integer(0, 5))
        counters.events += UInt64(counts.integer(0, 6))
        counters.applications += UInt64(counts.integer(0, 7))
        return Int(counts.integer(0, 0))
    }

    func nextRecord(of slice: StoredSlice) throws -> String? {
        let next = PostgresDeleteBatch.next(of: slice)
        let found = try connection.query(next.sql, next.bindings)
        return found.count == 1 ? found.text(0, 0) : nil
    }
}
