import SQLiteDriver
import StorageDriver

/// The purge of what restorable deletes kept (SQLite): a request is a row of `kept_purges`,
/// and each step removes the next few kept contacts of the first request with their cascade, as
/// many as fit its rows (or, for a delete of applications, the next few kept applications), in
/// one transaction.
/// A step takes the lowest keys of a job's kept ranges, so a step repeated after a restart
/// removes the next ones: nothing is removed twice or left behind. The request goes in the step
/// that removes its last kept row.
extension SQLiteShardStore {
    func requestPurge(_ jobId: String) throws {
        try database.transaction {
            try database.prepare("INSERT OR IGNORE INTO kept_purges (job_id) VALUES (?)").run([.text(jobId)])
        }
    }

    func purgeNextBatch(limit: Int, rows: Int) throws -> Int {
        let purged = try database.transaction {
            while let jobId = try nextPurge() {
                var purged = try purgeKeptContacts(of: jobId, limit: limit, rows: rows)
                if purged == 0 { purged = try purgeKeptApplications(of: jobId, limit: limit) }
                if try !keepsAnything(jobId) { try statements.run("DELETE FROM kept_purges WHERE job_id = ?1", [.text(jobId)]) }
                // A request whose rows were all gone (restored, or purged before a restart) ends
                // without a step of its own: the next request's rows are this step's.
                if purged > 0 { return purged }
            }
            return 0
        }
        deletedRecords(purged)
        return purged
    }

    /// The purge the next step serves: the first requested and not finished, by job id, so one
    /// job's kept rows go before the next's and its request goes in the step that ends them.
    private func nextPurge() throws -> String? {
        try statements.withStatement("SELECT job_id FROM kept_purges ORDER BY job_id LIMIT 1", []) { read in
            try read.step() ? read.text(0) : nil
        }
    }

    /// Removes the first kept contacts of `jobId` with their conversations, messages (left in
    /// place under their seqs, `SQLiteSchema`) and applications, at most `limit` and none after
    /// the one whose rows reach `rows`; how many contacts and applications it removed.
    private func purgeKeptContacts(of jobId: String, limit: Int, rows: Int) throws -> Int {
        guard let (org, last) = try lastKeptContact(of: jobId, limit: limit, rows: rows) else { return 0 }
        // The step's contacts are the job's first ones, through `last`.
        let job: [SQLValue] = [.text(jobId), .integer(last), .text(org)]
        let stepContacts = "SELECT seq FROM kept_contacts WHERE job_id = ?1 AND seq <= ?2"
        for table in ["messages", "conversations"] {
            try statements.run("""
                DELETE FROM \(table) WHERE org = ?3 AND contact_seq IN (\(stepContacts))
                """, job)
        }
        try statements.run("""
            UPDATE kept_totals SET
                conversations = conversations - (SELECT sum(conversations) FROM kept_contacts WHERE job_id = ?1 AND seq <= ?2),
                messages = messages - (SELECT sum(messages) FROM kept_contacts WHERE job_id = ?1 AND seq <= ?2)
            WHERE org = ?3
            """, job)
        let applications = try statements.run("""
            DELETE FROM kept_applications WHERE job_id = ?1 AND contact_id IN (SELECT id FROM kept_contacts WHERE job_id = ?1 AND seq <= ?2)
            """, Array(job.prefix(2)))
        return try Int(applications + statements.run("DELETE FROM kept_contacts WHERE job_id = ?1 AND seq <= ?2", Array(job.prefix(2))))
    }

    /// The seq of the last kept contact of `jobId` the step takes: of its first `limit`, in seq
    /// order, the one whose rows (with its own those of the contacts before it: itself, its
    /// conversations and messages as counted when kept, its applications) reach `rows`, or the last; nil when the
    /// job keeps no contact; with the job's org.
    private func lastKeptContact(of jobId: String, limit: Int, rows: Int) throws -> (org: String, seq: Int64)? {
        try statements.withStatement(
            """
            SELECT seq, 1 + conversations + messages + (SELECT count(*) FROM kept_applications a WHERE a.job_id = ?1 AND a.contact_id = k.id), org
            FROM kept_contacts k WHERE job_id = ?1 ORDER BY seq LIMIT ?2
            """,
            [.text(jobId), .integer(Int64(limit))]
        ) { read in
            var taken: Int64 = 0
            var last: (org: String, seq: Int64)?
            while try read.step() {
                last = (read.text(2), read.integer(0))
                taken += read.integer(1)
                if taken >= rows { break }
            }
            return last
        }
    }

    /// Removes the first `limit` kept applications of `jobId` (a delete of applications kept no contact); how many.
    private func purgeKeptApplications(of jobId: String, limit: Int) throws -> Int {
        try Int(statements.run("""
            DELETE FROM kept_applications WHERE job_id = ?1
            AND (contact_id, id) IN (SELECT contact_id, id FROM kept_applications WHERE job_id = ?1 ORDER BY contact_id, id LIMIT ?2)
            """, [.text(jobId), .integer(Int64(limit))]))
    }

    /// Whether `jobId` still keeps a contact or an application here (conversations and messages go with their contact).
    private func keepsAnything(_ jobId: String) throws -> Bool {
        try database.scalar("""
            SELECT EXISTS (SELECT 1 FROM kept_contacts WHERE job_id = ?1) OR EXISTS (SELECT 1 FROM kept_applications WHERE job_id = ?1)
            """, [.text(jobId)]) != 0
    }
}
