import Wire

/// The prepared statements an import batch reuses for every row.
final class ImportStatements {
    private let deleteMessages: SQLiteStatement
    private let deleteConversations: SQLiteStatement
    private let upsertContact: SQLiteStatement
    private let upsertApplication: SQLiteStatement
    private let upsertConversation: SQLiteStatement
    private let upsertMessage: SQLiteStatement

    init(_ database: SQLiteDatabase) throws {
        deleteMessages = try database.prepare("DELETE FROM messages WHERE org = ? AND contact_id = ?")
        deleteConversations = try database.prepare("DELETE FROM conversations WHERE org = ? AND contact_id = ?")
        let columns = "stage_id, assigned_to, name, email, phone, tags, source, created_at, updated_at, version"
        let updates = columns.split(separator: ",").map { "\($0.trimmingCharacters(in: .whitespaces)) = excluded.\($0.trimmingCharacters(in: .whitespaces))" }
        upsertContact = try database.prepare("""
            INSERT INTO contacts (org, id, slot, \(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (org, id) DO UPDATE SET \(updates.joined(separator: ", "))
            """)
        upsertApplication = try database.prepare("""
            INSERT INTO applications (org, id, contact_id, slot, \(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (org, id) DO UPDATE SET contact_id = excluded.contact_id, \(updates.joined(separator: ", "))
            """)
        upsertConversation = try database.prepare("""
            INSERT INTO conversations (org, id, contact_id, channel, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (org, id) DO UPDATE SET contact_id = excluded.contact_id, channel = excluded.channel, created_at = excluded.created_at
            """)
        upsertMessage = try database.prepare("""
            INSERT INTO messages (org, id, conversation_id, contact_id, direction, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (org, id) DO UPDATE SET conversation_id = excluded.conversation_id, contact_id = excluded.contact_id,
                direction = excluded.direction, body = excluded.body, created_at = excluded.created_at
            """)
    }

    /// Replaces the contact, and its conversations and messages with the record's.
    func write(contact record: ImportRecord, org: String, version: Int64) throws {
        try deleteMessages.run([.text(org), .text(record.id)])
        try deleteConversations.run([.text(org), .text(record.id)])
        try upsertContact.run([.text(org), .text(record.id), .integer(Int64(PartitionMap.slot(of: record.id)))] + fields(record, version: version))
        for conversation in record.conversations {
            try upsertConversation.run([.text(org), .text(conversation.id), .text(record.id), .text(conversation.channel), .integer(conversation.createdAt)])
            for message in conversation.messages {
                try upsertMessage.run([
                    .text(org), .text(message.id), .text(conversation.id), .text(record.id), .text(message.direction), .text(message.body),
                    .integer(message.createdAt),
                ])
            }
        }
    }

    func write(application record: ImportRecord, org: String, version: Int64) throws {
        try upsertApplication.run(
            [.text(org), .text(record.id), .text(record.contactId), .integer(Int64(PartitionMap.slot(of: record.contactId)))]
                + fields(record, version: version))
    }

    private func fields(_ record: ImportRecord, version: Int64) -> [SQLValue] {
        [
            record.stageId.map(SQLValue.text) ?? .null, record.assignedTo.map(SQLValue.text) ?? .null, .text(record.name),
            .text(record.email), .text(record.phone), .text(JSONText.array(record.tags)), record.source.map(SQLValue.text) ?? .null,
            .integer(record.createdAt), .integer(record.updatedAt), .integer(version),
        ]
    }
}
