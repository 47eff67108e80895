import Wire

/// SQLite's statements for the slice life cycle (`SliceLedger`).
extension SQLiteShardStore: SliceLedger {
    func batchStatements(for assignment: SliceAssignment) -> any SliceBatchStatements {
        switch assignment.kind {
        case .delete: deletes
        case .restore: restores
        }
    }

    func writeTransaction<T>(_ body: () throws -> T) throws -> T { try database.transaction(body) }

    func insertSliceRow(_ row: SliceRow, at now: Int64) throws {
        let sql = """
            INSERT INTO delete_slices (job_id, kind, org, requester, filter, watermark, counters, status, created_at, permanent, restores)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        try statements.withStatement(sql, []) { insert in
            try insert.bind(row.jobId, at: 1)
            try insert.bind(row.kind, at: 2)
            try insert.bind(row.org, at: 3)
            try insert.bind(row.requester, at: 4)
            try insert.bind(bytes: row.filter, at: 5)
            try insert.bind(row.watermark, at: 6)
            try insert.bind(bytes: row.counters, at: 7)
            try insert.bind(row.status, at: 8)
            try insert.bind(now, at: 9)
            try insert.bind(row.permanent ? 1 : 0, at: 10)
            try insert.bind(row.restores, at: 11)
            try insert.execute()
        }
    }

    func saveCheckpoint(_ row: SliceRow) throws {
        try statements.withStatement("UPDATE delete_slices SET counters = ?, status = ?, filter = ? WHERE job_id = ?", []) { update in
            try update.bind(bytes: row.counters, at: 1)
            try update.bind(row.status, at: 2)
            try update.bind(bytes: row.filter, at: 3)
            try update.bind(row.jobId, at: 4)
            try update.execute()
        }
    }

    func insertFailure(jobId: String, recordId: String, reason: String) throws {
        try statements.withStatement(
            "INSERT INTO delete_failures (job_id, record_id, message) VALUES (?, ?, ?)", [.text(jobId), .text(recordId), .text(reason)]
        ) { try $0.execute() }
    }

    func loadSliceRow(_ jobId: String) throws -> SliceRow? {
        try statements.withStatement(
            "SELECT kind, org, requester, filter, watermark, counters, status, permanent, restores FROM delete_slices WHERE job_id = ?",
            [.text(jobId)]
        ) { read in
            guard try read.step() else { return nil }
            return SliceRow(
                jobId: jobId, kind: read.integer(0), org: read.text(1), requester: read.text(2), filter: read.blob(3),
                watermark: read.integer(4), counters: read.blob(5), status: read.integer(6), permanent: read.integer(7) != 0,
                restores: read.optionalText(8))
        }
    }

    func deletedRecords(_ count: Int) { reclaim.wrote(deleted: count, at: .now) }
}
