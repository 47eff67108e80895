import SQLiteDriver
import StorageDriver
import Wire

/// One delete batch, set-based: its records are first chosen into the
/// in-memory table `temp.delete_batch`, then each statement here handles all
/// of them at once (the cascade, the audit entries, the notifications, the
/// outbox events), as SQLite does fastest, instead of a round of statements
/// per record. The batch, its side effects and its checkpoint still commit as
/// one transaction.
///
/// A restorable delete (every one not `permanent`) first moves each contact and application it
/// deletes into its `kept_` table, by the same statement's shape (`INSERT ... SELECT` over the
/// chosen records), each contact with how many conversations and messages it has; these stay
/// where they are, under its seq, and count in the org's `kept_totals` (`SQLiteSchema`). A
/// permanent delete keeps nothing, and its audit entries no personal data (their snapshot is `{}`).
final class SQLiteDeleteStatements: SliceBatchStatements {
    private let clearBatch: SQLiteStatement
    private let deleteMessages: SQLiteStatement
    private let deleteConversations: SQLiteStatement
    private let deleteContacts: SQLiteStatement
    private let deleteApplications: SQLiteStatement
    private let deleteContactsApplications: SQLiteStatement
    private let insertAudits: SQLiteStatement
    private let insertContactsApplicationAudits: SQLiteStatement
    private let insertNotifications: SQLiteStatement
    private let insertEvents: SQLiteStatement
    private let keepContacts: SQLiteStatement
    private let sumKeptCascade: SQLiteStatement
    private let addKeptTotals: SQLiteStatement
    private let keepApplications: SQLiteStatement
    private let keepContactsApplications: SQLiteStatement
    private let database: SQLiteDatabase
    /// The statements that choose a batch: one a filter's shape (`chooseBatchSQL`).
    private let statements: StatementCache

    /// Every statement that touches a data table for each record of a batch (their plans are checked in tests).
    var perRecordStatements: [SQLiteStatement] {
        [
            deleteMessages, deleteConversations, deleteContacts, deleteApplications, deleteContactsApplications, insertAudits,
            insertContactsApplicationAudits, insertNotifications, insertEvents, keepContacts, sumKeptCascade, keepApplications,
            keepContactsApplications,
        ]
    }

    /// What every batch statement reads: the chosen records, in the order chosen.
    static let batchTable = "temp.delete_batch"

    init(_ database: SQLiteDatabase, statements: StatementCache) throws {
        self.database = database
        self.statements = statements
        try database.execute(
            "CREATE TEMP TABLE IF NOT EXISTS delete_batch (record_rowid INTEGER NOT NULL, id TEXT NOT NULL, assigned_to TEXT, name TEXT, email TEXT, phone TEXT)")
        let chosen = "SELECT record_rowid FROM \(Self.batchTable)"
        clearBatch = try database.prepare("DELETE FROM \(Self.batchTable)")
        deleteMessages = try database.prepare("DELETE FROM messages WHERE org = ? AND contact_seq IN (\(chosen))")
        deleteConversations = try database.prepare("DELETE FROM conversations WHERE org = ? AND contact_seq IN (\(chosen))")
        deleteContacts = try database.prepare("DELETE FROM contacts WHERE rowid IN (\(chosen))")
        deleteApplications = try database.prepare("DELETE FROM applications WHERE rowid IN (\(chosen))")
        // The chosen contacts' applications, by `applications_by_contact`: every one, whatever its
        // version, as none may be left naming a contact that is gone.
        deleteContactsApplications = try database.prepare(
            "DELETE FROM applications WHERE org = ?1 AND contact_id IN (SELECT id FROM \(Self.batchTable))")
        // Each contact with its cascade's counts: two ranges of their tables' keys, by its seq.
        keepContacts = try database.prepare("""
            INSERT INTO kept_contacts (job_id, \(SQLiteSchema.contactColumns), conversations, messages)
            SELECT ?2, \(SQLiteSchema.contactColumns),
                (SELECT count(*) FROM conversations v WHERE v.org = ?1 AND v.contact_seq = contacts.seq),
                (SELECT count(*) FROM messages m WHERE m.org = ?1 AND m.contact_seq = contacts.seq)
            FROM contacts WHERE rowid IN (\(chosen))
            """)
        sumKeptCascade = try database.prepare(
            "SELECT coalesce(sum(conversations), 0), coalesce(sum(messages), 0) FROM kept_contacts WHERE job_id = ?1 AND seq IN (\(chosen))")
        addKeptTotals = try database.prepare("""
            INSERT INTO kept_totals (org, conversations, messages) VALUES (?1, ?2, ?3)
            ON CONFLICT (org) DO UPDATE SET conversations = conversations + excluded.conversations, messages = messages + excluded.messages
            """)
        keepApplications = try database.prepare(Self.keep("applications", SQLiteSchema.applicationColumns, where: "rowid IN (\(chosen))"))
        keepContactsApplications = try database.prepare(Self.keep(
            "applications", SQLiteSchema.applicationColumns, where: "org = ?1 AND contact_id IN (SELECT id FROM \(Self.batchTable))"))
        // Each contact's entries in the batch's order: CROSS JOIN keeps the batch the outer loop,
        // where an ORDER BY of the applications' own rowid read all of the org's by `(org)`.
        insertContactsApplicationAudits = try database.prepare("""
            INSERT INTO audit_entries (org, type, job_id, actor, record_id, snapshot, created_at)
            SELECT ?1, 'APPLICATION_DELETE', ?2, ?3, a.id, \(Self.snapshot(of: "a", unlessPermanent: "?5")), ?4
            FROM \(Self.batchTable) CROSS JOIN applications a ON a.org = ?1 AND a.contact_id = \(Self.batchTable).id
            ORDER BY \(Self.batchTable).rowid
            """)
        insertAudits = try database.prepare(
            SQLiteBatchSideEffects.audits(from: Self.batchTable, snapshot: Self.snapshot(of: Self.batchTable, unlessPermanent: "?6")))
        insertNotifications = try database.prepare(SQLiteBatchSideEffects.notifications("contact_removed", from: Self.batchTable))
        insertEvents = try database.prepare(SQLiteBatchSideEffects.events("contact_removed", from: Self.batchTable))
    }

    /// What an audit entry keeps of the record it deleted, a row of `table`: its name, email and
    /// phone, or, when the parameter `permanent` is true, nothing (`{}`).
    private static func snapshot(of table: String, unlessPermanent permanent: String) -> String {
        "CASE WHEN \(permanent) THEN '{}' ELSE \(snapshot(of: table)) END"
    }

    /// What an audit entry keeps of a record, a row of `table`: as a restore's entries keep it too.
    static func snapshot(of table: String) -> String {
        "json_object('name', \(table).name, 'email', \(table).email, 'phone', \(table).phone)"
    }

    /// Copies the rows of `table` that `condition` picks (its `?1` the org) into its kept table
    /// under the job (`?2`), before their delete.
    private static func keep(_ table: String, _ columns: String, where condition: String) -> String {
        "INSERT INTO kept_\(table) (job_id, \(columns)) SELECT ?2, \(columns) FROM \(table) WHERE \(condition)"
    }

    // MARK: - Choosing a batch

    /// Fills the batch table with `slice`'s next `limit` records; how many it chose.
    private func choose(for slice: StoredSlice, limit: Int) throws -> Int {
        let assignment = slice.assignment
        let predicate = FilterCompiler.predicate(for: assignment.filter, org: assignment.org)
        // Only a slice with failed records pays for leaving them out.
        let skipsFailures = slice.counters.failed > 0
        try clearBatch.execute()
        let bindings = predicate.bindings + [.integer(assignment.watermark)] + (skipsFailures ? [.text(assignment.jobId)] : []) + [.integer(Int64(limit))]
        try statements.withStatement(Self.chooseBatchSQL(assignment.filter.pipeline, predicate, skippingFailuresOf: skipsFailures), bindings) {
            try $0.execute()
        }
        return database.changes
    }

    /// Chooses a batch of `predicate`'s records at or below a watermark (the
    /// first binding after the predicate's), leaving out, when asked, the
    /// records set aside as failed for a job (the next binding), at most a
    /// limit (the last).
    static func chooseBatchSQL(_ pipeline: ContactFilter.Pipeline, _ predicate: SQLPredicate, skippingFailuresOf skips: Bool = false) -> String {
        let table = pipeline.table
        let failures = skips ? " AND NOT EXISTS (SELECT 1 FROM delete_failures WHERE job_id = ? AND record_id = \(table).id)" : ""
        let access = FilterCompiler.batchAccess(for: predicate, table: table)
        return """
            INSERT INTO \(batchTable) (record_rowid, id, assigned_to, name, email, phone)
            SELECT rowid, id, assigned_to, name, email, phone FROM \(table)\(access.index)
            WHERE \(predicate.sql) AND version <= ?\(failures)\(access.order) LIMIT ?
            """
    }

    // MARK: - Doing a batch

    /// Chooses `slice`'s next batch and deletes it: contacts with their cascade, or applications.
    func applyNextBatch(of slice: StoredSlice, limit: Int, at now: Int64, counters: inout DeleteCounters, errors: inout [SliceError]) throws -> Int {
        let chosen = try choose(for: slice, limit: limit)
        switch slice.assignment.filter.pipeline {
        case .contact: try deleteChosenContacts(of: slice.assignment, at: now, counters: &counters)
        case .application: try deleteChosenApplications(of: slice.assignment, at: now, counters: &counters)
        }
        return chosen
    }

    /// The id of `slice`'s next record, chosen as a batch of one.
    func nextRecord(of slice: StoredSlice) throws -> String? {
        guard try choose(for: slice, limit: 1) == 1 else { return nil }
        return try statements.withStatement("SELECT id FROM \(Self.batchTable)", []) { read in try read.step() ? read.text(0) : nil }
    }

    /// How many records `assignment` covers: its filter's matches at or below its watermark.
    func count(_ assignment: SliceAssignment) throws -> UInt64 {
        let predicate = FilterCompiler.predicate(for: assignment.filter, org: assignment.org)
        return try database.scalar(
            "SELECT count(*) FROM \(assignment.filter.pipeline.table) WHERE \(predicate.sql) AND version <= ?",
            predicate.bindings + [.integer(assignment.watermark)]
        ).magnitude
    }

    /// Deletes the chosen contacts with their conversations, messages and
    /// applications, and writes one audit entry for each contact and each
    /// application, one notification per assignee and one `contact_removed`
    /// event for each contact.
    private func deleteChosenContacts(of slice: SliceAssignment, at now: Int64, counters: inout DeleteCounters) throws {
        if slice.permanent {
            counters.messages += try database.run(deleteMessages, [.text(slice.org)])
            counters.conversations += try database.run(deleteConversations, [.text(slice.org)])
        } else {
            try keepContactsWithTheirCascade(of: slice, counters: &counters)
        }
        counters.auditEntries += try audit(type: "CONTACT_DELETE", slice: slice, at: now)
        if try statements.holdsApplications("applications", "org", slice.org) {
            counters.auditEntries += try database.run(
                insertContactsApplicationAudits,
                [.text(slice.org), .text(slice.jobId), .text(slice.requester), .integer(now), .integer(slice.permanent ? 1 : 0)])
            try keep(keepContactsApplications, of: slice)
            counters.applications += try database.run(deleteContactsApplications, [.text(slice.org)])
        }
        counters.notifications += try database.run(insertNotifications, [.text(slice.org), .text(slice.jobId), .integer(now)])
        counters.events += try database.run(insertEvents, [.text(slice.org), .text(slice.jobId), .integer(now)])
        counters.deleted += try database.run(deleteContacts, [])
    }

    /// Moves the chosen contacts into `kept_contacts`, leaving their conversations and messages
    /// in place, and counts those (as deleted, and in the org's `kept_totals`).
    private func keepContactsWithTheirCascade(of slice: SliceAssignment, counters: inout DeleteCounters) throws {
        try keepContacts.run([.text(slice.org), .text(slice.jobId)])
        try sumKeptCascade.bind([.text(slice.jobId)])
        defer { sumKeptCascade.reset() }
        guard try sumKeptCascade.step() else { return }
        let conversations = sumKeptCascade.integer(0), messages = sumKeptCascade.integer(1)
        counters.conversations += UInt64(conversations)
        counters.messages += UInt64(messages)
        try addKeptTotals.run([.text(slice.org), .integer(conversations), .integer(messages)])
    }

    /// Deletes the chosen applications and writes their `APPLICATION_DELETE` audit entries; contacts are untouched.
    private func deleteChosenApplications(of slice: SliceAssignment, at now: Int64, counters: inout DeleteCounters) throws {
        counters.auditEntries += try audit(type: "APPLICATION_DELETE", slice: slice, at: now)
        try keep(keepApplications, of: slice)
        counters.deleted += try database.run(deleteApplications, [])
    }

    /// Copies what `statement` picks of the batch into its kept table, unless the delete is permanent.
    private func keep(_ statement: SQLiteStatement, of slice: SliceAssignment) throws {
        guard !slice.permanent else { return }
        try statement.run([.text(slice.org), .text(slice.jobId)])
    }

    private func audit(type: String, slice: SliceAssignment, at now: Int64) throws -> UInt64 {
        try database.run(
            insertAudits,
            [.text(slice.org), .text(type), .text(slice.jobId), .text(slice.requester), .integer(now), .integer(slice.permanent ? 1 : 0)])
    }
}
