import PostgresDriver

/// PostgreSQL's purge of what restorable deletes kept, once their window ended: a request is a
/// row of `kept_purges`, and each `purgeNextBatch` removes the next kept records of the first job
/// requested, contacts with their cascade (or an application-pipeline delete's applications),
/// in one short transaction, fenced like every write. Each batch takes what is left, so a batch
/// repeated after a restart finds its rows gone and takes the next: nothing is lost or repeated.
/// The space goes back as a delete's does: the vacuum of an idle shard (`PostgresMaintenance`).
extension PostgresShardStore {
    func requestPurge(_ jobId: String) throws {
        try writeTransaction {
            _ = try connection.query("INSERT INTO kept_purges (job_id) VALUES ($1) ON CONFLICT DO NOTHING", [.text(jobId)])
        }
    }

    func purgeNextBatch(limit: Int, rows: Int) throws -> Int {
        let purged = try writeTransaction {
            // A job with nothing left here (it kept nothing on this shard) takes no batch: on to the next one.
            var purged = 0
            while purged == 0, let job = try nextPurge() {
                let bindings: [PostgresValue] = [.text(job), .integer(Int64(limit))]
                let contacts = try PostgresBatchQuery.run(Self.purgeContacts, bindings + [.integer(Int64(rows))], on: connection)
                let (gone, candidates) = (contacts.integer(0, 0), contacts.integer(0, 2))
                purged = Int(gone + contacts.integer(0, 1))
                // Kept contacts left: the step was full, by count or by rows.
                guard gone == candidates, gone < limit else { break }
                // No kept contact left: what is left is an application-pipeline delete's applications.
                let applications = try PostgresBatchQuery.run(Self.purgeApplications, bindings, on: connection).integer(0, 0)
                purged += Int(applications)
                // The last batch of a job takes its request with it.
                if applications < limit { try connection.query("DELETE FROM kept_purges WHERE job_id = $1", [.text(job)]) }
            }
            return purged
        }
        deletedRecords(purged)
        return purged
    }

    /// The job whose kept records the next batch purges; nil when no purge is left.
    private func nextPurge() throws -> String? {
        let next = try connection.query("SELECT job_id FROM kept_purges ORDER BY job_id LIMIT 1")
        return next.count == 1 ? next.text(0, 0) : nil
    }

    /// $1 the job, $2 the limit, $3 the rows: its next kept contacts, in the order kept, none after
    /// the one whose rows (its own, its conversations, messages and applications, with those of the
    /// contacts before it) reach $3, with their conversations and messages (left in their tables
    /// under the contacts' seqs, which no live contact has; each probed by its contact's key, as a
    /// job's kept seqs may be far apart, under the job's one org) and kept applications, and the
    /// org's kept totals lowered by what went; how many contacts and applications went, and how
    /// many contacts were candidates (fewer than $2 when the job has no more).
    /// A contact's rows are its kept counts, and a probe of its kept applications.
    static let purgeContacts = """
        WITH candidates AS (
            SELECT k.ctid AS address, k.seq, 1 + k.conversations + k.messages
                + (SELECT count(*) FROM kept_applications a WHERE a.job_id = $1 AND a.contact_id = k.id) AS size
            FROM kept_contacts k WHERE k.job_id = $1 ORDER BY k.seq LIMIT $2),
        taken AS (SELECT address FROM (SELECT address, sum(size) OVER (ORDER BY seq) - size AS before FROM candidates) c WHERE before < $3),
        gone AS (
            DELETE FROM kept_contacts WHERE ctid = ANY (ARRAY(SELECT address FROM taken))
            RETURNING org, seq, id, conversations, messages),
        conversations_gone AS (
            DELETE FROM conversations v WHERE v.org = (SELECT min(org) FROM gone) AND v.contact_seq = ANY (ARRAY(SELECT seq FROM gone))),
        messages_gone AS (
            DELETE FROM messages m WHERE m.org = (SELECT min(org) FROM gone) AND m.contact_seq = ANY (ARRAY(SELECT seq FROM gone))),
        kept_totals_lowered AS (
            UPDATE kept_totals t SET conversations = t.conversations - g.conversations, messages = t.messages - g.messages
            FROM (SELECT org, sum(conversations) AS conversations, sum(messages) AS messages FROM gone GROUP BY org) g WHERE t.org = g.org),
        applications_gone AS (
            DELETE FROM kept_applications a WHERE a.job_id = $1 AND a.contact_id = ANY (ARRAY(SELECT id FROM gone)) RETURNING 1)
        SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM applications_gone), (SELECT count(*) FROM candidates)
        """

    /// $1 the job, $2 the limit: its next kept applications; how many went.
    private static let purgeApplications = """
        WITH gone AS (
            DELETE FROM kept_applications
            WHERE ctid = ANY (ARRAY(SELECT ctid FROM kept_applications WHERE job_id = $1 ORDER BY contact_id, id LIMIT $2))
            RETURNING 1)
        SELECT count(*) FROM gone
        """
}
