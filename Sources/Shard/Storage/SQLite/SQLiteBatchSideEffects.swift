import SQLiteDriver

/// What a contact batch writes for each of its records besides the records themselves: audit
/// entries, notifications for assignees and outbox events, each one `INSERT ... SELECT` over the
/// batch's table (`id`, `assigned_to`, `name`, `email`, `phone`) in the batch's order. Written once
/// for a delete and a restore, which differ only in the types they write and, for a restore, in
/// the records they write them for (not those passed by).
enum SQLiteBatchSideEffects {
    /// One audit entry for each record of `batch` that `condition` picks (all when nil), its
    /// snapshot `snapshot`: ?1 the org, ?2 the type, ?3 the job, ?4 the actor, ?5 the time.
    static func audits(from batch: String, snapshot: String, where condition: String? = nil) -> String {
        """
        INSERT INTO audit_entries (org, type, job_id, actor, record_id, snapshot, created_at)
        SELECT ?1, ?2, ?3, ?4, id, \(snapshot), ?5 FROM \(batch)\(whereClause(condition)) ORDER BY rowid
        """
    }

    /// One notification of `type` to the assignee of each record of `batch` that `condition`
    /// picks and has one: ?1 the org, ?2 the job, ?3 the time.
    static func notifications(_ type: String, from batch: String, where condition: String? = nil) -> String {
        """
        INSERT INTO notifications (org, user_id, type, record_id, job_id, created_at)
        SELECT ?1, assigned_to, '\(type)', id, ?2, ?3 FROM \(batch)\(whereClause(condition, "assigned_to IS NOT NULL")) ORDER BY rowid
        """
    }

    /// One outbox event of `type` for each record of `batch` that `condition` picks, its payload
    /// `{"contactId":…,"jobId":…}`: ?1 the org, ?2 the job, ?3 the time.
    static func events(_ type: String, from batch: String, where condition: String? = nil) -> String {
        """
        INSERT INTO event_outbox (org, type, payload, created_at)
        SELECT ?1, '\(type)', json_object('contactId', id, 'jobId', ?2), ?3 FROM \(batch)\(whereClause(condition)) ORDER BY rowid
        """
    }

    private static func whereClause(_ conditions: String?...) -> String {
        let conditions = conditions.compactMap(\.self)
        return conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }
}
