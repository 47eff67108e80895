import PostgresDriver

/// One delete batch of a slice as one PostgreSQL statement: a data-modifying
/// CTE chooses the slice's next records, deletes them with their cascade (a
/// restorable delete keeps it), keeps a copy of every deleted contact and
/// application (unless the delete is permanent), and writes their audit entries,
/// notifications and outbox events, then answers how many rows each step
/// touched (chosen, deleted, conversations, messages, audit entries,
/// notifications, events, applications deleted with their contacts).
///
/// The copy is made from what each DELETE returns (`PostgresKeptTable.keep`), in
/// the same transaction, so a restorable delete either commits with its copy or
/// not at all. A kept contact's conversations and messages are not copied: a
/// copy rewrites every row and its key where a DELETE only marks the row, and
/// the copy of the cascade made a restorable delete run at under half a
/// permanent one's rate. They stay where they are, under the contact's seq,
/// which no live contact has once it is kept, so no read and no later delete
/// reaches them (`PostgresSchema.keptTables`); only their count is kept.
struct PostgresDeleteBatch {
    let sql: String
    let bindings: [PostgresValue]

    init(slice: StoredSlice, limit: Int, now: Int64) {
        let assignment = slice.assignment
        let chosen = Self.choosing(slice, columns: "seq, id", limit: limit)
        var bindings = chosen.bindings
        func parameter(_ value: PostgresValue) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        let org = parameter(.text(assignment.org))
        let job = parameter(.text(assignment.jobId))
        let actor = parameter(.text(assignment.requester))
        let at = parameter(.integer(now))
        let keeps = !assignment.permanent
        // The deleted rows are read back whole when a copy is kept (it is made from them), else as
        // little as the entries written for them need.
        func returning(_ table: PostgresKeptTable, as alias: String, else needed: String) -> String {
            "RETURNING " + (keeps ? table.columns(of: alias) : needed)
        }
        // A permanent delete's entries keep nothing personal of the record.
        let snapshot = keeps ? PostgresBatchQuery.snapshot : "'{}'"
        // An org-wide batch is one contiguous run of seqs: its cascade is one range of each
        // table's key, read once, rather than an index probe for every contact. The chosen seqs
        // are a hashed filter on that range (`IS TRUE` keeps the planner from turning the IN into
        // a join, which a cached generic plan runs as one probe per contact).
        let cascade = { (alias: String) -> (bounds: String, condition: String) in
            chosen.inSeqOrder
                ? ("bounds b", "\(alias).org = \(org) AND \(alias).contact_seq BETWEEN b.lo AND b.hi"
                    + " AND (\(alias).contact_seq IN (SELECT seq FROM chosen)) IS TRUE")
                : ("", "\(alias).org = \(org) AND \(alias).contact_seq = ANY (ARRAY(SELECT seq FROM chosen))")
        }
        // A restorable delete leaves the cascade where it is (under seqs no live contact has once
        // the contacts are kept) and counts it for each contact, as `n`; a permanent one deletes it.
        let cascadeGone = { (table: String, alias: String) -> String in
            let (bounds, condition) = cascade(alias)
            return keeps
                ? "\(table)_gone AS (SELECT \(alias).contact_seq, count(*) AS n FROM \(table) \(alias)"
                    + (bounds.isEmpty ? "" : ", " + bounds) + " WHERE \(condition) GROUP BY \(alias).contact_seq)"
                : "\(table)_gone AS (DELETE FROM \(table) \(alias)" + (bounds.isEmpty ? "" : " USING " + bounds)
                    + " WHERE \(condition) RETURNING 1)"
        }
        let cascadeCount = { (table: String) -> String in
            keeps ? "(SELECT coalesce(sum(n), 0) FROM \(table)_gone)" : "(SELECT count(*) FROM \(table)_gone)"
        }
        // The chosen records by their keys: `= ANY` of an array is an index probe each in any plan,
        // where a join with `chosen`, whose size a generic plan cannot know, became a hash join
        // over a scan of every remaining record (each batch reading the whole table).
        let gone = { (table: PostgresKeptTable) -> String in
            "gone AS (DELETE FROM \(table.name) t WHERE t.seq = ANY (ARRAY(SELECT seq FROM chosen)) "
                + returning(table, as: "t", else: "t.seq, t.id, t.assigned_to") + ")"
        }
        // The kept contacts with their cascade's counts, and the org's kept totals raised by them
        // (`stats` subtracts them), from what the DELETE returned; nothing else reads them back.
        let keptContacts = """
            kept_contacts_copied AS (
                \(PostgresKeptTable.contacts.keep(
                    from: "gone g LEFT JOIN conversations_gone v ON v.contact_seq = g.seq"
                        + " LEFT JOIN messages_gone m ON m.contact_seq = g.seq",
                    job: job, extra: [("conversations", "coalesce(v.n, 0)"), ("messages", "coalesce(m.n, 0)")]))
                RETURNING conversations, messages),
            kept_totals_raised AS (
                INSERT INTO kept_totals (org, conversations, messages)
                SELECT \(org), sum(conversations), sum(messages) FROM kept_contacts_copied HAVING count(*) > 0
                ON CONFLICT (org) DO UPDATE SET conversations = kept_totals.conversations + excluded.conversations,
                    messages = kept_totals.messages + excluded.messages),
            kept_applications_copied AS (\(PostgresKeptTable.applications.keep(from: "applications_gone", job: job))),

            """
        switch assignment.filter.pipeline {
        case .contact:
            sql = """
                WITH chosen AS (\(chosen.sql)),
                bounds AS (SELECT min(seq) AS lo, max(seq) AS hi FROM chosen),
                \(cascadeGone("messages", "m")),
                \(cascadeGone("conversations", "v")),
                \(gone(.contacts)),
                applications_gone AS (
                    DELETE FROM applications a WHERE a.org = \(org) AND a.contact_id = ANY (ARRAY(SELECT id FROM chosen))
                    \(returning(.applications, as: "a", else: "a.seq, a.id"))),
                \(keeps ? keptContacts : "")\
                audits AS (
                    INSERT INTO audit_entries (org, type, job_id, actor, record_id, snapshot, created_at)
                    SELECT \(org), 'CONTACT_DELETE', \(job), \(actor), id, \(snapshot), \(at) FROM gone ORDER BY seq RETURNING 1),
                application_audits AS (
                    INSERT INTO audit_entries (org, type, job_id, actor, record_id, snapshot, created_at)
                    SELECT \(org), 'APPLICATION_DELETE', \(job), \(actor), id, \(snapshot), \(at) FROM applications_gone ORDER BY seq RETURNING 1),
                notices AS (
                    INSERT INTO notifications (org, user_id, type, record_id, job_id, created_at)
                    SELECT \(org), assigned_to, 'contact_removed', id, \(job), \(at) FROM gone WHERE assigned_to IS NOT NULL ORDER BY seq RETURNING 1),
                events AS (
                    INSERT INTO event_outbox (org, type, payload, created_at)
                    SELECT \(org), 'contact_removed', '{"contactId":' || to_json(id)::text || ',"jobId":' || to_json(\(job)::text)::text || '}', \(at)
                    FROM gone ORDER BY seq RETURNING 1)
                SELECT (SELECT count(*) FROM chosen), (SELECT count(*) FROM gone), \(cascadeCount("conversations")),
                    \(cascadeCount("messages")), (SELECT count(*) FROM audits) + (SELECT count(*) FROM application_audits),
                    (SELECT count(*) FROM notices), (SELECT count(*) FROM events), (SELECT count(*) FROM applications_gone)
                """
        case .application:
            sql = """
                WITH chosen AS (\(chosen.sql)),
                \(gone(.applications)),
                \(keeps ? "kept_applications_copied AS (\(PostgresKeptTable.applications.keep(from: "gone", job: job))),\n" : "")\
                audits AS (
                    INSERT INTO audit_entries (org, type, job_id, actor, record_id, snapshot, created_at)
                    SELECT \(org), 'APPLICATION_DELETE', \(job), \(actor), id, \(snapshot), \(at) FROM gone ORDER BY seq RETURNING 1)
                SELECT (SELECT count(*) FROM chosen), (SELECT count(*) FROM gone), 0, 0, (SELECT count(*) FROM audits), 0, 0, 0
                """
        }
        self.bindings = bindings
    }

    /// The statement that finds the id of the slice's next record (the one to set aside as failed).
    static func next(of slice: StoredSlice) -> (sql: String, bindings: [PostgresValue]) {
        let next = choosing(slice, columns: "id", limit: 1)
        return (next.sql, next.bindings)
    }

    /// The slice's next `limit` records: matching its filter, at or below its watermark, not set
    /// aside as failed; an org-wide slice in `seq` order (one contiguous range of every table).
    private static func choosing(_ slice: StoredSlice, columns: String, limit: Int) -> (sql: String, bindings: [PostgresValue], inSeqOrder: Bool) {
        let assignment = slice.assignment
        let predicate = PostgresPredicate(for: assignment.filter, org: assignment.org)
        let table = assignment.filter.pipeline.table
        var bindings = predicate.bindings + [.integer(assignment.watermark)]
        var sql = "SELECT \(columns) FROM \(table) WHERE \(predicate.sql) AND version <= $\(bindings.count)"
        // Only a slice with failed records pays for leaving them out.
        if slice.counters.failed > 0 {
            bindings.append(.text(assignment.jobId))
            sql += " AND NOT EXISTS (SELECT 1 FROM delete_failures f WHERE f.job_id = $\(bindings.count) AND f.record_id = \(table).id)"
        }
        bindings.append(.integer(Int64(limit)))
        sql += (predicate.isOrgWide ? " ORDER BY seq" : "") + " LIMIT $\(bindings.count)"
        return (sql, bindings, predicate.isOrgWide)
    }
}
