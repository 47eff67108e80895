import PostgresDriver
import Wire

/// One restore batch of a slice as one PostgreSQL statement: a data-modifying CTE takes the next
/// kept records of the delete the restore names (`JobSpec.restores`) out of its kept tables with
/// their kept applications, puts back every one whose id is free, with its applications, and
/// writes their `CONTACT_RESTORE` / `APPLICATION_RESTORE` entries, notifications and outbox events.
/// A kept contact's conversations and messages never left their tables: put back under its
/// original seq, the contact has them again, and the org's `kept_totals` go down by their counts.
///
/// Its rows: the first eight columns count, as a delete batch's (`PostgresBatchQuery.count`),
/// with restored records in the place of deleted ones; then one row for each record passed by
/// (`passedId`, null when none was) and why (`passedReason`, a `RestorePassedBy`): its id is live
/// again, or it is an application-pipeline delete's application whose contact is not live. It is
/// one of the job's own records (`passedIsRecord`: a kept contact, or an application-pipeline
/// delete's application) or an application of a restored contact. A record passed by stays as it is now and its kept copy
/// goes with the rest of the batch's; a contact passed by takes its conversations and messages with it.
///
/// A restored record is the kept row with every column as it was, but `version` = the restore's
/// watermark: it counts as written at the restore, so a delete registered before the restore
/// leaves it alone and one registered after takes it. A contact keeps its `seq` (the identity
/// never handed it out again); an application takes a new one (nothing is keyed by it).
struct PostgresRestoreBatch {
    let sql: String
    let bindings: [PostgresValue]

    /// Columns of the rows, after the eight counts.
    static let passedId = 8
    static let passedIsRecord = 9
    static let passedReason = 10

    init(slice: StoredSlice, limit: Int, now: Int64) {
        let assignment = slice.assignment
        let chosen = Self.choosing(slice, columns: "ctid", limit: limit)
        var bindings = chosen.bindings
        func parameter(_ value: PostgresValue) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        // The delete's job, as `choosing` binds it first (every parameter must be used: a
        // statement of the application pipeline names it nowhere else).
        let delete = "$1"
        let org = parameter(.text(assignment.org))
        let job = parameter(.text(assignment.jobId))
        let actor = parameter(.text(assignment.requester))
        let at = parameter(.integer(now))
        let version = parameter(.integer(assignment.watermark))
        // The batch's kept records leave their table by their row's address: `= ANY` of an array
        // is one TID scan, whatever a generic plan guesses of the batch's size.
        let taken = { (table: PostgresKeptTable, extra: String) -> String in
            "chosen AS (DELETE FROM \(table.kept) WHERE ctid = ANY (ARRAY(\(chosen.sql)))"
                + " RETURNING \(table.columns.joined(separator: ", "))\(extra))"
        }
        // Each record `allowed` put back unless its id is live again (then it is passed by), in the delete's order.
        let putBack = { (table: PostgresKeptTable, originalSeq: Bool, allowed: String, returning: String) -> String in
            "back AS (\(table.restore(from: "chosen k", alias: "k", replacing: ["version": version], originalSeq: originalSeq))"
                + " WHERE \(allowed) ORDER BY k.seq ON CONFLICT (org, id) DO NOTHING RETURNING \(returning))"
        }
        // An application whose contact is not live (a later delete took it) may not go back: it
        // would name a contact that is gone. An application's restore writes no contact, so this
        // reads the same in `back` and in `passed`.
        let contactLive = "EXISTS (SELECT 1 FROM contacts c WHERE c.org = k.org AND c.id = k.contact_id)"
        let idInUse = "'\(RestorePassedBy.idInUse)'"
        let audits = { (type: String, from: String) -> String in
            """
            INSERT INTO audit_entries (org, type, job_id, actor, record_id, snapshot, created_at)
            SELECT \(org), '\(type)', \(job), \(actor), id, \(PostgresBatchQuery.snapshot), \(at) FROM \(from) ORDER BY seq RETURNING 1
            """
        }
        // A contact passed by takes its cascade with it (its kept row goes, so no purge could find
        // it later), each table probed by the contact's key: a batch passes few by, if any.
        let dropped = { (table: String) -> String in
            "\(table)_dropped AS (DELETE FROM \(table) t"
                + " WHERE t.org = \(org) AND t.contact_seq = ANY (ARRAY(SELECT seq FROM passed_contacts)))"
        }
        // What the batch's kept contacts restored (the counts the delete kept with each).
        let restored = { (column: String) -> String in
            "(SELECT coalesce(sum(k.\(column)), 0) FROM chosen k WHERE k.seq IN (SELECT seq FROM back))"
        }
        switch assignment.filter.pipeline {
        case .contact:
            sql = """
                WITH \(taken(.contacts, ", conversations, messages")),
                \(putBack(.contacts, true, "true", "seq, id, assigned_to, name, email, phone")),
                passed_contacts AS (SELECT seq FROM chosen WHERE seq NOT IN (SELECT seq FROM back)),
                \(dropped("messages")),
                \(dropped("conversations")),
                kept_totals_lowered AS (
                    UPDATE kept_totals SET conversations = conversations - (SELECT coalesce(sum(k.conversations), 0) FROM chosen k),
                        messages = messages - (SELECT coalesce(sum(k.messages), 0) FROM chosen k)
                    WHERE org = \(org)),
                applications_kept AS (
                    DELETE FROM kept_applications a WHERE a.job_id = \(delete) AND a.contact_id = ANY (ARRAY(SELECT id FROM chosen))
                    RETURNING \(PostgresKeptTable.applications.columns(of: "a"))),
                applications_back AS (
                    \(PostgresKeptTable.applications.restore(from: "applications_kept k", alias: "k", replacing: ["version": version]))
                    WHERE k.contact_id IN (SELECT id FROM back) ORDER BY k.seq
                    ON CONFLICT (org, id) DO NOTHING RETURNING seq, id, name, email, phone),
                audits AS (\(audits("CONTACT_RESTORE", "back"))),
                application_audits AS (\(audits("APPLICATION_RESTORE", "applications_back"))),
                notices AS (
                    INSERT INTO notifications (org, user_id, type, record_id, job_id, created_at)
                    SELECT \(org), assigned_to, 'contact_restored', id, \(job), \(at) FROM back WHERE assigned_to IS NOT NULL ORDER BY seq RETURNING 1),
                events AS (
                    INSERT INTO event_outbox (org, type, payload, created_at)
                    SELECT \(org), 'contact_restored', '{"contactId":' || to_json(id)::text || ',"jobId":' || to_json(\(job)::text)::text || '}', \(at)
                    FROM back ORDER BY seq RETURNING 1),
                passed AS (
                    SELECT id, seq, true AS record, \(idInUse) AS reason FROM chosen WHERE id NOT IN (SELECT id FROM back)
                    UNION ALL
                    SELECT id, seq, false, \(idInUse) FROM applications_kept
                    WHERE contact_id IN (SELECT id FROM back) AND id NOT IN (SELECT id FROM applications_back)),
                counts AS (
                    SELECT (SELECT count(*) FROM chosen), (SELECT count(*) FROM back), \(restored("conversations")),
                        \(restored("messages")), (SELECT count(*) FROM audits) + (SELECT count(*) FROM application_audits),
                        (SELECT count(*) FROM notices), (SELECT count(*) FROM events), (SELECT count(*) FROM applications_back))
                \(Self.answer)
                """
        case .application:
            sql = """
                WITH \(taken(.applications, "")),
                \(putBack(.applications, false, contactLive, "seq, id, name, email, phone")),
                audits AS (\(audits("APPLICATION_RESTORE", "back"))),
                passed AS (
                    SELECT id, seq, true AS record,
                        CASE WHEN NOT \(contactLive) THEN '\(RestorePassedBy.contactNotFound)' ELSE \(idInUse) END AS reason
                    FROM chosen k WHERE id NOT IN (SELECT id FROM back)),
                counts AS (SELECT (SELECT count(*) FROM chosen), (SELECT count(*) FROM back), 0, 0, (SELECT count(*) FROM audits), 0, 0, 0)
                \(Self.answer)
                """
        }
        self.bindings = bindings
    }

    /// The counts, on every row of the records passed by (the job's own first), or on one row alone.
    private static let answer = """
        SELECT c.*, p.id, p.record, p.reason FROM counts c LEFT JOIN passed p ON true ORDER BY p.record DESC, p.seq
        """

    /// The statement that counts what the delete a restore names kept here: the records it will put back.
    static func count(of assignment: SliceAssignment) -> (sql: String, bindings: [PostgresValue]) {
        ("SELECT count(*) FROM \(kept(assignment).table.kept) WHERE job_id = $1", [deleteJob(of: assignment)])
    }

    /// The delete a restore puts back. The registry never registers a restore without one; a
    /// restore that named none would find nothing kept, and restore nothing.
    private static func deleteJob(of assignment: SliceAssignment) -> PostgresValue {
        .text(assignment.restores ?? "")
    }

    /// The statement that finds the id of the slice's next kept record (the one to set aside as failed).
    static func next(of slice: StoredSlice) -> (sql: String, bindings: [PostgresValue]) {
        let next = choosing(slice, columns: "id", limit: 1)
        return (next.sql, next.bindings)
    }

    /// The table of the records a restore puts back, the kept contacts or an application-pipeline
    /// delete's kept applications, and its key after the job (the order the delete kept them in).
    private static func kept(_ assignment: SliceAssignment) -> (table: PostgresKeptTable, order: String) {
        switch assignment.filter.pipeline {
        case .contact: (.contacts, "k.seq")
        case .application: (.applications, "k.contact_id, k.id")
        }
    }

    /// The slice's next `limit` kept records, in their table's key order (the delete's): of the
    /// delete it restores, not set aside as failed.
    private static func choosing(_ slice: StoredSlice, columns: String, limit: Int) -> (sql: String, bindings: [PostgresValue]) {
        let assignment = slice.assignment
        let kept = kept(assignment)
        // First, for the batch statement to name it again as $1.
        var bindings = [deleteJob(of: assignment)]
        var sql = "SELECT \(columns) FROM \(kept.table.kept) k WHERE k.job_id = $1"
        // Only a slice with failed records pays for leaving them out.
        if slice.counters.failed > 0 {
            bindings.append(.text(assignment.jobId))
            sql += " AND NOT EXISTS (SELECT 1 FROM delete_failures f WHERE f.job_id = $\(bindings.count) AND f.record_id = k.id)"
        }
        bindings.append(.integer(Int64(limit)))
        return (sql + " ORDER BY \(kept.order) LIMIT $\(bindings.count)", bindings)
    }
}
