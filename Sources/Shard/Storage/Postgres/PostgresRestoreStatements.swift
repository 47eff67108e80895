import PostgresDriver
import Wire

/// PostgreSQL's statements for a restore slice's batches: each batch is one statement
/// (`PostgresRestoreBatch`), run inside the caller's transaction. A slice's records are what the
/// delete it restores kept on this shard.
struct PostgresRestoreStatements: SliceBatchStatements {
    let connection: PostgresConnection

    func count(_ assignment: SliceAssignment) throws -> UInt64 {
        let count = PostgresRestoreBatch.count(of: assignment)
        return try connection.scalar(count.sql, count.bindings).magnitude
    }

    func applyNextBatch(of slice: StoredSlice, limit: Int, at now: Int64, counters: inout DeleteCounters, errors: inout [SliceError]) throws -> Int {
        let batch = PostgresRestoreBatch(slice: slice, limit: limit, now: now)
        let rows = try PostgresBatchQuery.run(batch.sql, batch.bindings, on: connection)
        for row in 0..<rows.count where !rows.isNull(row, PostgresRestoreBatch.passedId) {
            errors.append(SliceError(
                recordId: rows.text(row, PostgresRestoreBatch.passedId), message: rows.text(row, PostgresRestoreBatch.passedReason)))
            // The job's own records count; an application of a restored contact is listed alone.
            if rows.text(row, PostgresRestoreBatch.passedIsRecord) == "t" { counters.skipped += 1 }
        }
        return PostgresBatchQuery.count(rows, into: &counters)
    }

    func nextRecord(of slice: StoredSlice) throws -> String? {
        let next = PostgresRestoreBatch.next(of: slice)
        let found = try connection.query(next.sql, next.bindings)
        return found.count == 1 ? found.text(0, 0) : nil
    }
}
