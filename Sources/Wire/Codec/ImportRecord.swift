/// One NDJSON import line after validation: a contact (with its
/// conversations and their messages) or an application.
package struct ImportRecord: WireCodable {
    package enum Kind: UInt8, Sendable {
        case contact = 1
        case application = 2
    }

    package var kind: Kind
    package var id: String
    /// For an application, its contact; for a contact, its own id. Routes the record to a shard.
    package var contactId: String
    package var stageId: String?
    package var assignedTo: String?
    package var name: String
    package var email: String
    package var phone: String
    package var tags: [String]
    package var source: String?
    package var createdAt: Int64
    package var updatedAt: Int64
    package var conversations: [ConversationRecord]

    package init(
        kind: Kind, id: String, contactId: String, stageId: String?, assignedTo: String?, name: String, email: String,
        phone: String, tags: [String], source: String?, createdAt: Int64, updatedAt: Int64, conversations: [ConversationRecord]
    ) {
        self.kind = kind
        self.id = id
        self.contactId = contactId
        self.stageId = stageId
        self.assignedTo = assignedTo
        self.name = name
        self.email = email
        self.phone = phone
        self.tags = tags
        self.source = source
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.conversations = conversations
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(kind.rawValue)
        writer.write(id)
        writer.write(contactId)
        writer.write(optional: stageId) { $0.write($1) }
        writer.write(optional: assignedTo) { $0.write($1) }
        writer.write(name)
        writer.write(email)
        writer.write(phone)
        writer.write(array: tags) { $0.write($1) }
        writer.write(optional: source) { $0.write($1) }
        writer.write(createdAt)
        writer.write(updatedAt)
        writer.write(array: conversations)
    }

    /// The fields `encode(to:)` writes first, up to the contact id that routes the record. Read
    /// alone, they let the coordinator route a record without decoding the rest (`ImportBatch.split`).
    package static func readHead(_ reader: inout WireReader) throws(WireError) -> (kind: Kind, id: String, contactId: String) {
        let rawKind = try reader.readUInt8("record.kind")
        guard let kind = Kind(rawValue: rawKind) else { throw .invalidValue(field: "record.kind", value: Int64(rawKind)) }
        return (kind, try reader.readString("record.id"), try reader.readString("record.contactId"))
    }

    package init(from reader: inout WireReader) throws(WireError) {
        (kind, id, contactId) = try Self.readHead(&reader)
        stageId = try reader.readOptional("record.stageId") { reader throws(WireError) in try reader.readString("record.stageId") }
        assignedTo = try reader.readOptional("record.assignedTo") { reader throws(WireError) in try reader.readString("record.assignedTo") }
        name = try reader.readString("record.name")
        email = try reader.readString("record.email")
        phone = try reader.readString("record.phone")
        tags = try reader.readArray("record.tags") { reader throws(WireError) in try reader.readString("record.tags") }
        source = try reader.readOptional("record.source") { reader throws(WireError) in try reader.readString("record.source") }
        createdAt = try reader.readInt64("record.createdAt")
        updatedAt = try reader.readInt64("record.updatedAt")
        conversations = try reader.readArray("record.conversations")
    }
}

/// A conversation of an imported contact.
package struct ConversationRecord: WireCodable {
    package var id: String
    package var channel: String
    package var createdAt: Int64
    package var messages: [MessageRecord]

    package init(id: String, channel: String, createdAt: Int64, messages: [MessageRecord]) {
        self.id = id
        self.channel = channel
        self.createdAt = createdAt
        self.messages = messages
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(id)
        writer.write(channel)
        writer.write(createdAt)
        writer.write(array: messages)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        id = try reader.readString("conversation.id")
        channel = try reader.readString("conversation.channel")
        createdAt = try reader.readInt64("conversation.createdAt")
        messages = try reader.readArray("conversation.messages")
    }
}

/// A message of an imported conversation.
package struct MessageRecord: WireCodable {
    package var id: String
    package var direction: String
    package var body: String
    package var createdAt: Int64

    package init(id: String, direction: String, body: String, createdAt: Int64) {
        self.id = id
        self.direction = direction
        self.body = body
        self.createdAt = createdAt
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(id)
        writer.write(direction)
        writer.write(body)
        writer.write(createdAt)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        id = try reader.readString("message.id")
        direction = try reader.readString("message.direction")
        body = try reader.readString("message.body")
        createdAt = try reader.readInt64("message.createdAt")
    }
}
