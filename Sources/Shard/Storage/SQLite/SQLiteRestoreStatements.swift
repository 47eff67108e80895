import SQLiteDriver
import StorageDriver
import Wire

/// One restore batch, set-based as a delete's (`SQLiteDeleteStatements`): the next kept records
/// of the delete it restores are chosen into the in-memory table `temp.restore_batch`, each
/// marked with why it is passed by (`passed_by`, null for one that goes back), then each
/// statement here handles all of them at once.
///
/// A contact goes back with every column as it was, its `seq` too, but one: `version` = the
/// restore's watermark, so a delete registered before the restore leaves it alone and one
/// registered after takes it. Its conversations and messages never left (they stay under its
/// seq, which nothing else takes: `SQLiteSchema`), and its org's `kept_totals` no longer count
/// them. A contact or application whose id is live again is passed by ("id in use", counted in
/// `skipped`), its cascade deleted, and the live one left as it is; so is an application-pipeline
/// delete's application whose contact is not live ("contact not found"). Restored or passed by,
/// a batch's records are no longer kept once it commits.
final class SQLiteRestoreStatements: SliceBatchStatements {
    private let database: SQLiteDatabase
    private let statements: StatementCache

    static let batchTable = "temp.restore_batch"
    /// Whether a record of the batch goes back (it is not passed by).
    private static let goesBack = "passed_by IS NULL"
    /// The batch's records that go back, by the seq their cascade is kept under: each statement of
    /// their cascade reads its kept rows by that key.
    private static let restored = "SELECT kept_seq FROM \(batchTable) WHERE \(goesBack)"
    /// A kept application of a restored contact of the batch, `k`, joined to it, `b`.
    private static let restoredContactsApplications = """
        \(batchTable) b CROSS JOIN kept_applications k ON k.job_id = ?1 AND k.contact_id = b.id WHERE b.passed_by IS NULL
        """
    /// Whether the application `k` has a live twin (its id imported again since).
    private static let applicationInUse = "EXISTS (SELECT 1 FROM applications a WHERE a.org = k.org AND a.id = k.id)"
    /// `passed_by` of a record whose id is live again.
    private static let idInUse = "'\(RestorePassedBy.idInUse)'"

    init(_ database: SQLiteDatabase, statements: StatementCache) throws {
        self.database = database
        self.statements = statements
        try database.execute("""
            CREATE TEMP TABLE IF NOT EXISTS restore_batch (
                kept_seq INTEGER, contact_id TEXT, id TEXT NOT NULL, passed_by TEXT,
                assigned_to TEXT, name TEXT, email TEXT, phone TEXT)
            """)
    }

    // MARK: - Choosing a batch

    /// How many records `assignment` restores: what its delete kept here.
    func count(_ assignment: SliceAssignment) throws -> UInt64 {
        let table = "kept_\(assignment.filter.pipeline.table)"
        return try database.scalar(
            "SELECT count(*) FROM \(table) WHERE job_id = ? AND org = ?", [.text(try Self.delete(of: assignment)), .text(assignment.org)]
        ).magnitude
    }

    /// The delete `assignment` restores.
    private static func delete(of assignment: SliceAssignment) throws -> String {
        guard let delete = assignment.restores else { throw StoreError.restoreOfNoDelete(jobId: assignment.jobId) }
        return delete
    }

    /// Fills the batch table with the next `limit` kept records of the delete, in the order it
    /// kept them, leaving out those set aside as failed; how many it chose.
    private func choose(for slice: StoredSlice, limit: Int) throws -> Int {
        let assignment = slice.assignment
        let skipsFailures = slice.counters.failed > 0
        try statements.withStatement("DELETE FROM \(Self.batchTable)", []) { try $0.execute() }
        let bindings: [SQLValue] = [.text(try Self.delete(of: assignment)), .text(assignment.org), .integer(Int64(limit))]
            + (skipsFailures ? [.text(assignment.jobId)] : [])
        try statements.withStatement(Self.chooseBatchSQL(assignment.filter.pipeline, skippingFailures: skipsFailures), bindings) {
            try $0.execute()
        }
        return database.changes
    }

    /// Chooses the next kept records of a delete (`?1`) of an org (`?2`), at most `?3`, leaving out
    /// when asked those set aside as failed by the restore (`?4`).
    private static func chooseBatchSQL(_ pipeline: ContactFilter.Pipeline, skippingFailures skips: Bool) -> String {
        let failures = skips ? " AND NOT EXISTS (SELECT 1 FROM delete_failures WHERE job_id = ?4 AND record_id = k.id)" : ""
        return switch pipeline {
        case .contact:
            """
            INSERT INTO \(batchTable) (kept_seq, id, passed_by, assigned_to, name, email, phone)
            SELECT seq, id, CASE WHEN EXISTS (SELECT 1 FROM contacts c WHERE c.org = k.org AND c.id = k.id) THEN \(idInUse) END,
                assigned_to, name, email, phone
            FROM kept_contacts k WHERE job_id = ?1 AND org = ?2\(failures) ORDER BY seq LIMIT ?3
            """
        case .application:
            """
            INSERT INTO \(batchTable) (contact_id, id, passed_by, assigned_to, name, email, phone)
            SELECT contact_id, id,
                CASE WHEN NOT EXISTS (SELECT 1 FROM contacts c WHERE c.org = k.org AND c.id = k.contact_id)
                    THEN '\(RestorePassedBy.contactNotFound)' WHEN \(applicationInUse) THEN \(idInUse) END,
                assigned_to, name, email, phone
            FROM kept_applications k WHERE job_id = ?1 AND org = ?2\(failures) ORDER BY contact_id, id LIMIT ?3
            """
        }
    }

    /// The id of `slice`'s next kept record, chosen as a batch of one.
    func nextRecord(of slice: StoredSlice) throws -> String? {
        guard try choose(for: slice, limit: 1) == 1 else { return nil }
        return try statements.withStatement("SELECT id FROM \(Self.batchTable)", []) { read in try read.step() ? read.text(0) : nil }
    }

    // MARK: - Doing a batch

    /// Chooses `slice`'s next batch and puts it back: contacts with their cascade, or applications.
    func applyNextBatch(of slice: StoredSlice, limit: Int, at now: Int64, counters: inout DeleteCounters, errors: inout [SliceError]) throws -> Int {
        let chosen = try choose(for: slice, limit: limit)
        let restore = Restore(assignment: slice.assignment, delete: try Self.delete(of: slice.assignment), now: now)
        let passedBy = try passedBy("SELECT id, passed_by FROM \(Self.batchTable) WHERE passed_by IS NOT NULL ORDER BY rowid", [])
        errors += passedBy
        counters.skipped += UInt64(passedBy.count)
        switch slice.assignment.filter.pipeline {
        case .contact: try restoreChosenContacts(restore, counters: &counters, errors: &errors)
        case .application: try restoreChosenApplications(restore, counters: &counters)
        }
        return chosen
    }

    /// What every statement of one batch binds.
    private struct Restore {
        let assignment: SliceAssignment
        let delete: String
        let now: Int64
        var org: SQLValue { .text(assignment.org) }
        var jobId: SQLValue { .text(assignment.jobId) }
        var requester: SQLValue { .text(assignment.requester) }
        var watermark: SQLValue { .integer(assignment.watermark) }
        var keptBy: SQLValue { .text(delete) }
    }

    /// Puts the chosen contacts back under their kept seqs, where their conversations and
    /// messages are, then their applications, with one audit entry for each contact and
    /// application, one notification for each assignee and one `contact_restored` event for each
    /// contact; deletes the cascade of those passed by; then forgets the batch's kept rows.
    private func restoreChosenContacts(_ restore: Restore, counters: inout DeleteCounters, errors: inout [SliceError]) throws {
        let contactData = "seq, org, id, \(SQLiteSchema.recordData)"
        counters.deleted += try statements.run("""
            INSERT INTO contacts (\(contactData), version)
            SELECT \(contactData), ?2 FROM kept_contacts WHERE job_id = ?1 AND seq IN (\(Self.restored)) ORDER BY seq
            """, [restore.keptBy, restore.watermark])
        try statements.withStatement("""
            SELECT coalesce(sum(k.conversations) FILTER (WHERE b.passed_by IS NULL), 0),
                coalesce(sum(k.messages) FILTER (WHERE b.passed_by IS NULL), 0), coalesce(sum(k.conversations), 0), coalesce(sum(k.messages), 0)
            FROM \(Self.batchTable) b CROSS JOIN kept_contacts k ON k.job_id = ?1 AND k.seq = b.kept_seq
            """, [restore.keptBy]) { sums in
            guard try sums.step() else { return }
            counters.conversations += UInt64(sums.integer(0))
            counters.messages += UInt64(sums.integer(1))
            try statements.run(
                "UPDATE kept_totals SET conversations = conversations - ?2, messages = messages - ?3 WHERE org = ?1",
                [restore.org, .integer(sums.integer(2)), .integer(sums.integer(3))])
        }
        for table in ["messages", "conversations"] {
            try statements.run(
                "DELETE FROM \(table) WHERE org = ?1 AND contact_seq IN (SELECT kept_seq FROM \(Self.batchTable) WHERE passed_by IS NOT NULL)",
                [restore.org])
        }
        counters.auditEntries += try audit(type: "CONTACT_RESTORE", restore)
        if try statements.holdsApplications("kept_applications", "job_id", restore.delete) {
            errors += try passedBy(
                "SELECT k.id, \(Self.idInUse) FROM \(Self.restoredContactsApplications) AND \(Self.applicationInUse)"
                    + " ORDER BY b.rowid, k.id",
                [restore.keptBy])
            counters.auditEntries += try statements.run("""
                INSERT INTO audit_entries (org, type, job_id, actor, record_id, snapshot, created_at)
                SELECT ?2, 'APPLICATION_RESTORE', ?3, ?4, k.id, \(SQLiteDeleteStatements.snapshot(of: "k")), ?5
                FROM \(Self.restoredContactsApplications) AND NOT \(Self.applicationInUse) ORDER BY b.rowid, k.id
                """, [restore.keptBy, restore.org, restore.jobId, restore.requester, .integer(restore.now)])
            counters.applications += try statements.run("""
                INSERT INTO applications (org, id, contact_id, \(SQLiteSchema.recordData), version)
                SELECT k.org, k.id, k.contact_id, \(Self.columns(SQLiteSchema.recordData, of: "k")), ?2
                FROM \(Self.restoredContactsApplications) AND NOT \(Self.applicationInUse)
                """, [restore.keptBy, restore.watermark])
            try statements.run(
                "DELETE FROM kept_applications WHERE job_id = ?1 AND contact_id IN (SELECT id FROM \(Self.batchTable))", [restore.keptBy])
        }
        let sideEffect: [SQLValue] = [restore.org, restore.jobId, .integer(restore.now)]
        counters.notifications += try statements.run(
            SQLiteBatchSideEffects.notifications("contact_restored", from: Self.batchTable, where: Self.goesBack), sideEffect)
        counters.events += try statements.run(
            SQLiteBatchSideEffects.events("contact_restored", from: Self.batchTable, where: Self.goesBack), sideEffect)
        try statements.run(
            "DELETE FROM kept_contacts WHERE job_id = ?1 AND seq IN (SELECT kept_seq FROM \(Self.batchTable))", [restore.keptBy])
    }

    /// Puts the chosen applications back with one `APPLICATION_RESTORE` entry each (their delete
    /// sent no notification or event, nor does their restore); then forgets the batch's kept rows.
    private func restoreChosenApplications(_ restore: Restore, counters: inout DeleteCounters) throws {
        let chosen = "\(Self.batchTable) b CROSS JOIN kept_applications k ON k.job_id = ?1 AND k.contact_id = b.contact_id AND k.id = b.id"
        counters.auditEntries += try audit(type: "APPLICATION_RESTORE", restore)
        counters.deleted += try statements.run("""
            INSERT INTO applications (org, id, contact_id, \(SQLiteSchema.recordData), version)
            SELECT k.org, k.id, k.contact_id, \(Self.columns(SQLiteSchema.recordData, of: "k")), ?2 FROM \(chosen) WHERE b.passed_by IS NULL
            """, [restore.keptBy, restore.watermark])
        try statements.run(
            "DELETE FROM kept_applications WHERE job_id = ?1 AND (contact_id, id) IN (SELECT contact_id, id FROM \(Self.batchTable))",
            [restore.keptBy])
    }

    /// One audit entry of `type` for each restored record of the batch, with its snapshot as its delete's.
    private func audit(type: String, _ restore: Restore) throws -> UInt64 {
        try statements.run(
            SQLiteBatchSideEffects.audits(
                from: Self.batchTable, snapshot: SQLiteDeleteStatements.snapshot(of: Self.batchTable), where: Self.goesBack),
            [restore.org, .text(type), restore.jobId, restore.requester, .integer(restore.now)])
    }

    /// `columns` (a comma-separated list) as columns of `table`.
    private static func columns(_ columns: String, of table: String) -> String {
        columns.split(separator: ", ").map { "\(table).\($0)" }.joined(separator: ", ")
    }

    /// The records `sql` reads, each an id passed by and why.
    private func passedBy(_ sql: String, _ bindings: [SQLValue]) throws -> [SliceError] {
        try statements.withStatement(sql, bindings) { read in
            var passedBy: [SliceError] = []
            while try read.step() { passedBy.append(SliceError(recordId: read.text(0), message: read.text(1))) }
            return passedBy
        }
    }
}
