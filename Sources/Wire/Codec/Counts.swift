/// What an import wrote, summed over shards.
package struct ImportCounts: WireCodable {
    package var contacts: UInt64 = 0
    package var applications: UInt64 = 0
    package var conversations: UInt64 = 0
    package var messages: UInt64 = 0

    package init(contacts: UInt64 = 0, applications: UInt64 = 0, conversations: UInt64 = 0, messages: UInt64 = 0) {
        self.contacts = contacts
        self.applications = applications
        self.conversations = conversations
        self.messages = messages
    }

    package static func + (lhs: ImportCounts, rhs: ImportCounts) -> ImportCounts {
        ImportCounts(
            contacts: lhs.contacts + rhs.contacts, applications: lhs.applications + rhs.applications,
            conversations: lhs.conversations + rhs.conversations, messages: lhs.messages + rhs.messages)
    }

    package func encode(to writer: inout WireWriter) {
        for value in [contacts, applications, conversations, messages] { writer.write(value) }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        contacts = try reader.readUInt64("importCounts.contacts")
        applications = try reader.readUInt64("importCounts.applications")
        conversations = try reader.readUInt64("importCounts.conversations")
        messages = try reader.readUInt64("importCounts.messages")
    }
}

/// `GET /api/contacts/stats`: an org's row counts, summed over shards.
package struct OrgStats: WireCodable {
    package var contacts: UInt64 = 0
    package var applications: UInt64 = 0
    package var conversations: UInt64 = 0
    package var messages: UInt64 = 0
    package var auditEntries: UInt64 = 0
    package var notifications: UInt64 = 0

    package init() {}

    package static func + (lhs: OrgStats, rhs: OrgStats) -> OrgStats {
        var sum = OrgStats()
        sum.contacts = lhs.contacts + rhs.contacts
        sum.applications = lhs.applications + rhs.applications
        sum.conversations = lhs.conversations + rhs.conversations
        sum.messages = lhs.messages + rhs.messages
        sum.auditEntries = lhs.auditEntries + rhs.auditEntries
        sum.notifications = lhs.notifications + rhs.notifications
        return sum
    }

    package func encode(to writer: inout WireWriter) {
        for value in [contacts, applications, conversations, messages, auditEntries, notifications] { writer.write(value) }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        contacts = try reader.readUInt64("stats.contacts")
        applications = try reader.readUInt64("stats.applications")
        conversations = try reader.readUInt64("stats.conversations")
        messages = try reader.readUInt64("stats.messages")
        auditEntries = try reader.readUInt64("stats.auditEntries")
        notifications = try reader.readUInt64("stats.notifications")
    }
}

/// `GET /api/contacts/{id}`: the contact (without conversations) and how many it has.
package struct ContactDetail: WireCodable {
    package var contact: ImportRecord
    package var conversationCount: UInt64
    package var messageCount: UInt64

    package init(contact: ImportRecord, conversationCount: UInt64, messageCount: UInt64) {
        self.contact = contact
        self.conversationCount = conversationCount
        self.messageCount = messageCount
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(contact)
        writer.write(conversationCount)
        writer.write(messageCount)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        contact = try reader.read()
        conversationCount = try reader.readUInt64("contactDetail.conversationCount")
        messageCount = try reader.readUInt64("contactDetail.messageCount")
    }
}
