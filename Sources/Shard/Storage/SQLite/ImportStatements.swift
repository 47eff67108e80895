import SQLiteDriver
import Wire
import WireRuntime

/// The prepared statements an import batch reuses for every row, bound
/// parameter by parameter so the hot loop builds no arrays.
///
/// A new contact's `seq` is chosen here, never by SQLite: a rowid is the table's largest plus one,
/// so it is handed out again once the largest contacts leave the table, and a restorable delete
/// leaves their conversations and messages under their seq (`SQLiteSchema`). So each chunk takes
/// seqs above every one handed out before: the live table's largest and the high-water mark it
/// keeps in `meta` (`contact_seq_high`), written in the chunk's own transaction.
final class ImportStatements {
    private let insertContact: SQLiteStatement
    private let updateContact: SQLiteStatement
    private let deleteMessages: SQLiteStatement
    private let deleteConversations: SQLiteStatement
    private let upsertApplication: SQLiteStatement
    private let upsertConversation: SQLiteStatement
    private let upsertMessage: SQLiteStatement
    private let writeSeqHigh: SQLiteStatement
    private let database: SQLiteDatabase
    /// The seq the next new contact of the chunk being written takes.
    private var nextSeq: Int64 = 1

    /// The key in `meta` of the highest contact seq ever handed out.
    static let seqHighKey = "contact_seq_high"
    /// The highest contact seq handed out: the mark, or the live table's largest (a database
    /// whose contacts were all written before the mark was kept).
    static let readSeqHigh = """
        SELECT max(coalesce((SELECT max(seq) FROM contacts), 0),
                   coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = '\(seqHighKey)'), 0))
        """

    /// The columns a contact and an application share, bound from parameter 1 of `fields`.
    private static let columns = ["stage_id", "assigned_to", "name", "email", "phone", "tags", "source", "created_at", "updated_at", "version"]

    init(_ database: SQLiteDatabase) throws {
        self.database = database
        let columns = Self.columns.joined(separator: ", ")
        let assignments = Self.columns.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: Self.columns.count).joined(separator: ", ")
        // New contacts (the common case) take one index probe: the insert.
        // Only when it is ignored does the contact exist, and its cascade is replaced.
        insertContact = try database.prepare(
            "INSERT OR IGNORE INTO contacts (\(columns), org, id, slot, seq) VALUES (\(placeholders), ?, ?, ?, ?)")
        updateContact = try database.prepare(
            "UPDATE contacts SET \(Self.columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE org = ? AND id = ? RETURNING seq")
        deleteMessages = try database.prepare("DELETE FROM messages WHERE org = ? AND contact_seq = ?")
        deleteConversations = try database.prepare("DELETE FROM conversations WHERE org = ? AND contact_seq = ?")
        upsertApplication = try database.prepare("""
            INSERT INTO applications (\(columns), org, id, slot, contact_id) VALUES (\(placeholders), ?, ?, ?, ?)
            ON CONFLICT (org, id) DO UPDATE SET contact_id = excluded.contact_id, \(assignments)
            """)
        upsertConversation = try database.prepare("""
            INSERT INTO conversations (org, id, contact_seq, channel, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (org, contact_seq, id) DO UPDATE SET channel = excluded.channel, created_at = excluded.created_at
            """)
        upsertMessage = try database.prepare("""
            INSERT INTO messages (org, id, conversation_id, contact_seq, direction, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (org, contact_seq, id) DO UPDATE SET conversation_id = excluded.conversation_id,
                direction = excluded.direction, body = excluded.body, created_at = excluded.created_at
            """)
        writeSeqHigh = try database.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('\(Self.seqHighKey)', ?)")
    }

    /// Writes `records` (inside the caller's transaction), each contact new to the org under a
    /// seq above every one handed out before.
    func write(_ records: [ImportRecord], org: String, version: Int64) throws {
        nextSeq = try database.scalar(Self.readSeqHigh) + 1
        let firstSeq = nextSeq
        for record in records {
            switch record.kind {
            case .contact: try write(contact: record, org: org, version: version)
            case .application: try write(application: record, org: org, version: version)
            }
        }
        if nextSeq > firstSeq { try writeSeqHigh.run([.text("\(nextSeq - 1)")]) }
    }

    /// Writes the contact; an existing one is replaced with its conversations and messages.
    private func write(contact record: ImportRecord, org: String, version: Int64) throws {
        try bind(record, org: org, version: version, to: insertContact)
        try insertContact.bind(Int64(PartitionMap.slot(of: record.id)), at: 13)
        try insertContact.bind(nextSeq, at: 14)
        try insertContact.execute()
        let contact: Int64
        if database.changes == 1 {
            contact = nextSeq
            nextSeq += 1
        } else {
            contact = try replace(contact: record, org: org, version: version)
        }
        for conversation in record.conversations {
            try upsertConversation.bind(org, at: 1)
            try upsertConversation.bind(conversation.id, at: 2)
            try upsertConversation.bind(contact, at: 3)
            try upsertConversation.bind(conversation.channel, at: 4)
            try upsertConversation.bind(conversation.createdAt, at: 5)
            try upsertConversation.execute()
            for message in conversation.messages {
                try upsertMessage.bind(org, at: 1)
                try upsertMessage.bind(message.id, at: 2)
                try upsertMessage.bind(conversation.id, at: 3)
                try upsertMessage.bind(contact, at: 4)
                try upsertMessage.bind(message.direction, at: 5)
                try upsertMessage.bind(message.body, at: 6)
                try upsertMessage.bind(message.createdAt, at: 7)
                try upsertMessage.execute()
            }
        }
    }

    /// Overwrites the existing contact `record.id` and drops its conversations and messages; its `seq`.
    private func replace(contact record: ImportRecord, org: String, version: Int64) throws -> Int64 {
        try bind(record, org: org, version: version, to: updateContact)
        // The insert was ignored, so the contact exists and the update returns its one row.
        guard try updateContact.step() else { throw StoreError.contactVanished(id: record.id) }
        let contact = updateContact.integer(0)
        updateContact.reset()
        for statement in [deleteMessages, deleteConversations] {
            try statement.bind(org, at: 1)
            try statement.bind(contact, at: 2)
            try statement.execute()
        }
        return contact
    }

    private func write(application record: ImportRecord, org: String, version: Int64) throws {
        try bind(record, org: org, version: version, to: upsertApplication)
        try upsertApplication.bind(Int64(PartitionMap.slot(of: record.contactId)), at: 13)
        try upsertApplication.bind(record.contactId, at: 14)
        try upsertApplication.execute()
    }

    /// Binds `columns` to parameters 1…10 of `statement`, then the key: org at 11, id at 12.
    private func bind(_ record: ImportRecord, org: String, version: Int64, to statement: SQLiteStatement) throws {
        try statement.bind(record.stageId, at: 1)
        try statement.bind(record.assignedTo, at: 2)
        try statement.bind(record.name, at: 3)
        try statement.bind(record.email, at: 4)
        try statement.bind(record.phone, at: 5)
        try statement.bind(JSONText.array(record.tags), at: 6)
        try statement.bind(record.source, at: 7)
        try statement.bind(record.createdAt, at: 8)
        try statement.bind(record.updatedAt, at: 9)
        try statement.bind(version, at: 10)
        try statement.bind(org, at: 11)
        try statement.bind(record.id, at: 12)
    }
}
