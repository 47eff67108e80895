import Wire

/// PostgreSQL's statements for the slice life cycle (`SliceLedger`). Every write runs fenced
/// (`PostgresFence`): a process whose session lost the shard's lock writes nothing.
extension PostgresShardStore: SliceLedger {
    func batchStatements(for assignment: SliceAssignment) -> any SliceBatchStatements {
        switch assignment.kind {
        case .delete: PostgresDeleteStatements(connection: connection)
        case .restore: PostgresRestoreStatements(connection: connection)
        }
    }

    func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try withConnection { connection in try fence.write(on: connection, body) }
    }

    func insertSliceRow(_ row: SliceRow, at now: Int64) throws {
        try connection.query(
            """
            INSERT INTO delete_slices (job_id, kind, org, requester, filter, watermark, counters, status, created_at, permanent, restores)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """,
            [
                .text(row.jobId), .integer(row.kind), .text(row.org), .text(row.requester), .bytes(row.filter), .integer(row.watermark),
                .bytes(row.counters), .integer(row.status), .integer(now), .text(row.permanent ? "t" : "f"), row.restores.map { .text($0) } ?? .null,
            ])
    }

    func saveCheckpoint(_ row: SliceRow) throws {
        try connection.query(
            "UPDATE delete_slices SET counters = $1, status = $2, filter = $3 WHERE job_id = $4",
            [.bytes(row.counters), .integer(row.status), .bytes(row.filter), .text(row.jobId)])
    }

    func insertFailure(jobId: String, recordId: String, reason: String) throws {
        try connection.query(
            "INSERT INTO delete_failures (job_id, record_id, message) VALUES ($1, $2, $3)", [.text(jobId), .text(recordId), .text(reason)])
    }

    func loadSliceRow(_ jobId: String) throws -> SliceRow? {
        let read = try withConnection { connection in
            try connection.query(
                "SELECT kind, org, requester, filter, watermark, counters, status, permanent, restores FROM delete_slices WHERE job_id = $1",
                [.text(jobId)])
        }
        guard read.count == 1 else { return nil }
        return SliceRow(
            jobId: jobId, kind: read.integer(0, 0), org: read.text(0, 1), requester: read.text(0, 2), filter: read.bytes(0, 3),
            watermark: read.integer(0, 4), counters: read.bytes(0, 5), status: read.integer(0, 6), permanent: read.text(0, 7) == "t",
            restores: read.optionalText(0, 8))
    }

    func deletedRecords(_ count: Int) {
        writes += 1
        writtenSinceAnalyze += count
        deletedSinceVacuum += count
    }
}
