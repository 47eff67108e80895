import SQLiteDriver
import StorageDriver

/// The purge of what restorable deletes kept (SQLite): a request is a row of `kept_purges`,
/// and each step removes the next few kept contacts of the first request with their cascade
/// (or, for a delete of applications, the next few kept applications), in one transaction.
/// A step takes the lowest keys of a job's kept ranges, so a step repeated after a restart
/// removes the next ones: nothing is removed twice or left behind. The request goes in the step
/// that removes its last kept row.
extension SQLiteShardStore {
    func requestPurge(_ jobId: String) throws {
        try database.transaction {
            try database.prepare("INSERT OR IGNORE INTO kept_purges (job_id) VALUES (?)").run([.text(jobId)])
        }
    }

    func purgeNextBatch(limit: Int) throws -> Int {
        let purged = try database.transaction {
            while let jobId = try nextPurge() {
                var purged = try purgeKeptContacts(of: jobId, limit: limit)
                if purged == 0 { purged = try purgeKeptApplications(of: jobId, limit: limit) }
                if try !keepsAnything(jobId) { try purgeRun("DELETE FROM kept_purges WHERE job_id = ?1", jobId) }
                // A request whose rows were all gone (restored, or purged before a restart) ends
                // without a step of its own: the next request's rows are this step's.
                if purged > 0 { return purged }
            }
            return 0
        }
        deletedRecords(purged)
        return purged
    }

    /// The first purge requested and not finished, by job id.
    private func nextPurge() throws -> String? {
        try statements.withStatement("SELECT job_id FROM kept_purges ORDER BY job_id LIMIT 1", []) { read in
            try read.step() ? read.text(0) : nil
        }
    }

    /// Removes the first `limit` kept contacts of `jobId` with their conversations, messages and
    /// applications; how many contacts and applications it removed.
    private func purgeKeptContacts(of jobId: String, limit: Int) throws -> Int {
        /// `column` of the job's first `limit` kept contacts.
        func first(_ column: String) -> String { "SELECT \(column) FROM kept_contacts WHERE job_id = ?1 ORDER BY seq LIMIT ?2" }
        try purgeRun("DELETE FROM kept_messages WHERE job_id = ?1 AND contact_seq IN (\(first("seq")))", jobId, limit)
        try purgeRun("DELETE FROM kept_conversations WHERE job_id = ?1 AND contact_seq IN (\(first("seq")))", jobId, limit)
        let applications = try purgeRun("DELETE FROM kept_applications WHERE job_id = ?1 AND contact_id IN (\(first("id")))", jobId, limit)
        return try applications + purgeRun("DELETE FROM kept_contacts WHERE job_id = ?1 AND seq IN (\(first("seq")))", jobId, limit)
    }

    /// Removes the first `limit` kept applications of `jobId` (a delete of applications kept no contact); how many.
    private func purgeKeptApplications(of jobId: String, limit: Int) throws -> Int {
        try purgeRun("""
            DELETE FROM kept_applications WHERE job_id = ?1
            AND (contact_id, id) IN (SELECT contact_id, id FROM kept_applications WHERE job_id = ?1 ORDER BY contact_id, id LIMIT ?2)
            """, jobId, limit)
    }

    /// Whether `jobId` still keeps a contact or an application here (conversations and messages go with their contact).
    private func keepsAnything(_ jobId: String) throws -> Bool {
        try database.scalar("""
            SELECT EXISTS (SELECT 1 FROM kept_contacts WHERE job_id = ?1) OR EXISTS (SELECT 1 FROM kept_applications WHERE job_id = ?1)
            """, [.text(jobId)]) != 0
    }

    /// Runs `sql` with a job id (`?1`) and, when given, a limit (`?2`); the number of rows it removed.
    @discardableResult
    private func purgeRun(_ sql: String, _ jobId: String, _ limit: Int? = nil) throws -> Int {
        try statements.withStatement(sql, [.text(jobId)] + (limit.map { [.integer(Int64($0))] } ?? [])) { try $0.execute() }
        return database.changes
    }
}
