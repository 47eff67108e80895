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
        let batch = PostgresDeleteBatch(slice: slice, limit: limit, now: now)
        return PostgresBatchQuery.count(try PostgresBatchQuery.run(batch.sql, batch.bindings, on: connection), into: &counters)
    }

    func nextRecord(of slice: StoredSlice) throws -> String? {
        let next = PostgresDeleteBatch.next(of: slice)
        let found = try connection.query(next.sql, next.bindings)
        return found.count == 1 ? found.text(0, 0) : nil
    }
}
