import Wire

/// An import chunk as rows for COPY into temporary tables, and the statements
/// that upsert them into the partition set-based.
///
/// Within one chunk the last record of an id wins, as it does when SQLite
/// writes them one after another (an upsert may not touch one row twice).
struct ImportStaging {
    /// The chunk's counts, as `ShardStore` counts them: every record it was given.
    private(set) var counts = ImportCounts()
    private(set) var contacts: [ImportRecord] = []
    private(set) var applications: [ImportRecord] = []

    init(_ records: some Collection<ImportRecord>) {
        var lastContact: [String: Int] = [:]
        var lastApplication: [String: Int] = [:]
        for record in records {
            switch record.kind {
            case .contact:
                counts.contacts += 1
                counts.conversations += UInt64(record.conversations.count)
                counts.messages += UInt64(record.conversations.reduce(0) { $0 + $1.messages.count })
                Self.keepLast(record, in: &contacts, at: &lastContact)
            case .application:
                counts.applications += 1
                Self.keepLast(record, in: &applications, at: &lastApplication)
            }
        }
    }

    private static func keepLast(_ record: ImportRecord, in kept: inout [ImportRecord], at positions: inout [String: Int]) {
        if let earlier = positions[record.id] {
            kept[earlier] = record
        } else {
            positions[record.id] = kept.count
            kept.append(record)
        }
    }

    // MARK: - COPY rows

    var contactRows: [UInt8] {
        var rows = CopyRows()
        for (order, contact) in contacts.enumerated() {
            rows.add(Int64(order))
            rows.add(contact.id)
            rows.add(Int64(PartitionMap.slot(of: contact.id)))
            addFields(of: contact, to: &rows)
            rows.endRow()
        }
        return rows.bytes
    }

    var applicationRows: [UInt8] {
        var rows = CopyRows()
        for (order, application) in applications.enumerated() {
            rows.add(Int64(order))
            rows.add(application.id)
            rows.add(Int64(PartitionMap.slot(of: application.contactId)))
            rows.add(application.contactId)
            addFields(of: application, to: &rows)
            rows.endRow()
        }
        return rows.bytes
    }

    /// Each contact's conversations; of one id within a contact, the last.
    var conversationRows: [UInt8] {
        var rows = CopyRows()
        for contact in contacts {
            for conversation in Self.lastOfEachId(contact.conversations, id: \.id) {
                rows.add(contact.id)
                rows.add(conversation.id)
                rows.add(conversation.channel)
                rows.add(conversation.createdAt)
                rows.endRow()
            }
        }
        return rows.bytes
    }

    /// Each contact's messages; of one id within a contact, the last.
    var messageRows: [UInt8] {
        var rows = CopyRows()
        for contact in contacts {
            let messages = contact.conversations.flatMap { conversation in conversation.messages.map { (conversation.id, $0) } }
            for (conversationId, message) in Self.lastOfEachId(messages, id: \.1.id) {
                rows.add(contact.id)
                rows.add(message.id)
                rows.add(conversationId)
                rows.add(message.direction)
                rows.add(message.body)
                rows.add(message.createdAt)
                rows.endRow()
            }
        }
        return rows.bytes
    }

    private func addFields(of record: ImportRecord, to rows: inout CopyRows) {
        rows.add(record.stageId)
        rows.add(record.assignedTo)
        rows.add(record.name)
        rows.add(record.email)
        rows.add(record.phone)
        rows.add(array: record.tags)
        rows.add(record.source)
        rows.add(record.createdAt)
        rows.add(record.updatedAt)
    }

    private static func lastOfEachId<T>(_ items: [T], id: (T) -> String) -> [T] {
        var positions: [String: Int] = [:]
        var kept: [T] = []
        for item in items {
            if let earlier = positions[id(item)] {
                kept[earlier] = item
            } else {
                positions[id(item)] = kept.count
                kept.append(item)
            }
        }
        return kept
    }

    // MARK: - Statements

    private static let fieldColumns = "stage_id, assigned_to, name, email, phone, tags, source, created_at, updated_at"
    private static let fieldTypes = """
        stage_id text, assigned_to text, name text, email text, phone text, tags text[], source text, created_at bigint, updated_at bigint
        """

    /// The staging tables, emptied by every commit; made once per session.
    static let createTables = """
        CREATE TEMP TABLE IF NOT EXISTS import_contacts (ord bigint, id text, slot integer, \(fieldTypes)) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS import_applications (ord bigint, id text, slot integer, contact_id text, \(fieldTypes)) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS import_conversations (contact_id text, id text, channel text, created_at bigint) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS import_messages (
            contact_id text, id text, conversation_id text, direction text, body text, created_at bigint) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS import_seqs (id text, seq bigint, replaced boolean) ON COMMIT DELETE ROWS;
        """

    private static let updates = (["slot"] + fieldColumns.components(separatedBy: ", ") + ["version"])
        .map { "\($0) = excluded.\($0)" }.joined(separator: ", ")

    /// $1 the org, $2 the chunk's version: the contacts, new ones taking `seq` in the chunk's order;
    /// answers how many existed already (and so have a cascade to replace).
    static let upsertContacts = """
        WITH upserted AS (
            INSERT INTO contacts (org, id, slot, \(fieldColumns), version)
            SELECT $1, id, slot, \(fieldColumns), $2 FROM import_contacts ORDER BY ord
            ON CONFLICT (org, id) DO UPDATE SET \(updates)
            RETURNING id, seq, NOT (xmax = 0) AS replaced),
        kept AS (INSERT INTO import_seqs SELECT id, seq, replaced FROM upserted RETURNING replaced)
        SELECT count(*) FILTER (WHERE replaced) FROM kept
        """

    /// $1 the org: the cascade of the contacts that existed is dropped, when any did. A statement of
    /// its own after the upsert, since the sub-statements of one share a snapshot, and a
    /// conversation inserted there would meet the one it replaces.
    static let clearReplacedCascades = """
        WITH cleared AS (
            DELETE FROM messages m USING import_seqs s WHERE s.replaced AND m.org = $1 AND m.contact_seq = s.seq)
        DELETE FROM conversations c USING import_seqs s WHERE s.replaced AND c.org = $1 AND c.contact_seq = s.seq
        """

    /// $1 the org: the chunk's conversations and messages, under their contacts' seqs.
    static let insertCascades = [
        """
        INSERT INTO conversations (org, contact_seq, id, channel, created_at)
        SELECT $1, s.seq, c.id, c.channel, c.created_at FROM import_conversations c JOIN import_seqs s ON s.id = c.contact_id
        """,
        """
        INSERT INTO messages (org, contact_seq, id, conversation_id, direction, body, created_at)
        SELECT $1, s.seq, m.id, m.conversation_id, m.direction, m.body, m.created_at FROM import_messages m JOIN import_seqs s ON s.id = m.contact_id
        """,
    ]

    /// $1 the org, $2 the chunk's version.
    static let upsertApplications = """
        INSERT INTO applications (org, id, slot, contact_id, \(fieldColumns), version)
        SELECT $1, id, slot, contact_id, \(fieldColumns), $2 FROM import_applications ORDER BY ord
        ON CONFLICT (org, id) DO UPDATE SET contact_id = excluded.contact_id, \(updates)
        """
}
