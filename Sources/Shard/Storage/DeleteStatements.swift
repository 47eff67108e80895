import Wire

/// The statements one delete batch reuses for every record: the cascade, the
/// audit entry, the notification, the outbox event, and the checkpoint.
final class DeleteStatements {
    private let deleteMessages: SQLiteStatement
    private let deleteConversations: SQLiteStatement
    private let deleteContact: SQLiteStatement
    private let deleteApplication: SQLiteStatement
    private let insertAudit: SQLiteStatement
    private let insertNotification: SQLiteStatement
    private let insertEvent: SQLiteStatement
    let saveCheckpoint: SQLiteStatement
    private let database: SQLiteDatabase

    init(_ database: SQLiteDatabase) throws {
        self.database = database
        deleteMessages = try database.prepare("DELETE FROM messages WHERE org = ? AND contact_id = ?")
        deleteConversations = try database.prepare("DELETE FROM conversations WHERE org = ? AND contact_id = ?")
        deleteContact = try database.prepare("DELETE FROM contacts WHERE org = ? AND id = ?")
        deleteApplication = try database.prepare("DELETE FROM applications WHERE org = ? AND id = ?")
        insertAudit = try database.prepare(
            "INSERT INTO audit_entries (org, type, job_id, actor, record_id, snapshot, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        insertNotification = try database.prepare(
            "INSERT INTO notifications (org, user_id, type, record_id, job_id, created_at) VALUES (?, ?, 'contact_removed', ?, ?, ?)")
        insertEvent = try database.prepare("INSERT INTO event_outbox (org, type, payload, created_at) VALUES (?, ?, ?, ?)")
        saveCheckpoint = try database.prepare("UPDATE delete_slices SET counters = ?, finished = ?, cancelled = ? WHERE job_id = ?")
    }

    /// A record chosen for deletion, with what its audit entry keeps of it.
    struct Victim {
        let id: String
        let assignedTo: String?
        let name: String
        let email: String
        let phone: String
    }

    /// Deletes one contact with its conversations and messages, and writes its
    /// audit entry, its assignee's notification and its `contact_removed` event.
    func delete(contact victim: Victim, slice: SliceAssignment, at now: Int64, counters: inout DeleteCounters) throws {
        counters.messages += UInt64(try run(deleteMessages, slice.org, victim.id))
        counters.conversations += UInt64(try run(deleteConversations, slice.org, victim.id))
        // Selected in this same transaction by the only writer, so it is there;
        // if not, nothing is written for it and the slice's end counts it skipped.
        guard try run(deleteContact, slice.org, victim.id) == 1 else { return }
        try audit(victim, type: "CONTACT_DELETE", slice: slice, at: now)
        counters.auditEntries += 1
        if let assignee = victim.assignedTo {
            try insertNotification.bind(slice.org, at: 1)
            try insertNotification.bind(assignee, at: 2)
            try insertNotification.bind(victim.id, at: 3)
            try insertNotification.bind(slice.jobId, at: 4)
            try insertNotification.bind(now, at: 5)
            try insertNotification.execute()
            counters.notifications += 1
        }
        try insertEvent.bind(slice.org, at: 1)
        try insertEvent.bind("contact_removed", at: 2)
        try insertEvent.bind("{\"contactId\":\(JSONText.quoted(victim.id)),\"jobId\":\(JSONText.quoted(slice.jobId))}", at: 3)
        try insertEvent.bind(now, at: 4)
        try insertEvent.execute()
        counters.events += 1
        counters.deleted += 1
    }

    /// Deletes one application and writes its `APPLICATION_DELETE` audit entry; contacts are untouched.
    func delete(application victim: Victim, slice: SliceAssignment, at now: Int64, counters: inout DeleteCounters) throws {
        guard try run(deleteApplication, slice.org, victim.id) == 1 else { return }
        try audit(victim, type: "APPLICATION_DELETE", slice: slice, at: now)
        counters.auditEntries += 1
        counters.deleted += 1
    }

    private func audit(_ victim: Victim, type: String, slice: SliceAssignment, at now: Int64) throws {
        let snapshot = """
            {"name":\(JSONText.quoted(victim.name)),"email":\(JSONText.quoted(victim.email)),"phone":\(JSONText.quoted(victim.phone))}
            """
        try insertAudit.bind(slice.org, at: 1)
        try insertAudit.bind(type, at: 2)
        try insertAudit.bind(slice.jobId, at: 3)
        try insertAudit.bind(slice.requester, at: 4)
        try insertAudit.bind(victim.id, at: 5)
        try insertAudit.bind(snapshot, at: 6)
        try insertAudit.bind(now, at: 7)
        try insertAudit.execute()
    }

    /// Runs a two-parameter (org, id) statement; the number of rows it changed.
    private func run(_ statement: SQLiteStatement, _ org: String, _ id: String) throws -> Int {
        try statement.bind(org, at: 1)
        try statement.bind(id, at: 2)
        try statement.execute()
        return database.changes
    }
}
