import PostgresDriver
import Wire

/// An import chunk as rows for COPY, and the statements that write them into
/// the partition set-based: contacts and applications through temporary tables
/// and an upsert, conversations and messages straight into their tables.
///
/// Within one chunk the last record of an id wins, as it does when SQLite
/// writes them one after another (an upsert may not touch one row twice).
struct ImportStaging {
    /// The chunk's counts, as `SQLiteShardStore` counts them: every record it was given.
    let counts: ImportCounts
    let contacts: [ImportRecord]
    let applications: [ImportRecord]

    init(_ records: some Collection<ImportRecord>) {
        counts = ImportCounts(counting: records)
        contacts = Self.lastOfEachId(records.filter { $0.kind == .contact }, id: \.id)
        applications = Self.lastOfEachId(records.filter { $0.kind == .application }, id: \.id)
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

    /// Each contact's conversations, as rows of `conversations` under the seq `seqs` gives its
    /// contact; of one id within a contact, the last.
    func conversationRows(org: String, seqs: [String: Int64]) -> [UInt8] {
        var rows = CopyRows()
        for contact in contacts {
            guard let seq = seqs[contact.id] else { continue }
            let conversations = contact.conversations
            for index in Self.lastOfEachId(conversations.count, id: { conversations[$0].id }) {
                let conversation = conversations[index]
                rows.add(org)
                rows.add(seq)
                rows.add(conversation.id)
                rows.add(conversation.channel)
                rows.add(conversation.createdAt)
                rows.endRow()
            }
        }
        return rows.bytes
    }

    /// Each contact's messages, as rows of `messages`; of one id within a contact, the last.
    func messageRows(org: String, seqs: [String: Int64]) -> [UInt8] {
        var rows = CopyRows()
        var places: [(conversation: Int, message: Int)] = []
        for contact in contacts {
            guard let seq = seqs[contact.id] else { continue }
            let conversations = contact.conversations
            places.removeAll(keepingCapacity: true)
            for (conversation, held) in conversations.enumerated() {
                for message in held.messages.indices { places.append((conversation, message)) }
            }
            func message(_ place: Int) -> MessageRecord { conversations[places[place].conversation].messages[places[place].message] }
            for place in Self.lastOfEachId(places.count, id: { message($0).id }) {
                let message = message(place)
                let conversationId = conversations[places[place].conversation].id
                rows.add(org)
                rows.add(seq)
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

    /// `items` with one of each id, the last, in the place where its id came first.
    private static func lastOfEachId<T>(_ items: [T], id: (T) -> String) -> [T] {
        lastOfEachId(items.count) { id(items[$0]) }.map { items[$0] }
    }

    /// Of `count` items, the positions of the last of each id, each in the place where its id
    /// came first. A contact's few conversations and messages are compared with each other:
    /// a dictionary for each contact's would cost more than the comparisons it saves.
    private static func lastOfEachId(_ count: Int, id: (Int) -> String) -> [Int] {
        var kept: [Int] = []
        kept.reserveCapacity(count)
        if count <= smallGroup {
            for item in 0..<count {
                let itemId = id(item)
                if let earlier = kept.firstIndex(where: { id($0) == itemId }) { kept[earlier] = item } else { kept.append(item) }
            }
            return kept
        }
        var positions: [String: Int] = [:]
        for item in 0..<count {
            let itemId = id(item)
            if let earlier = positions[itemId] {
                kept[earlier] = item
            } else {
                positions[itemId] = kept.count
                kept.append(item)
            }
        }
        return kept
    }

    /// Up to this many items are deduplicated by comparing each with those kept.
    private static let smallGroup = 32

    // MARK: - Statements

    private static let fieldColumns = "stage_id, assigned_to, name, email, phone, tags, source, created_at, updated_at"
    private static let fieldTypes = """
        stage_id text, assigned_to text, name text, email text, phone text, tags text[], source text, created_at bigint, updated_at bigint
        """

    /// The staging tables of the records an upsert takes, emptied by every commit; made once per session.
    static let createTables = """
        CREATE TEMP TABLE IF NOT EXISTS import_contacts (ord bigint, id text, slot integer, \(fieldTypes)) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS import_applications (ord bigint, id text, slot integer, contact_id text, \(fieldTypes)) ON COMMIT DELETE ROWS;
        """

    /// A chunk's conversations and messages go straight into their tables: their contacts' seqs
    /// are known once the contacts are written, and a contact's cascade is new (a new contact) or
    /// cleared first (a re-imported one), so nothing can conflict.
    static let copyConversations = "COPY conversations (org, contact_seq, id, channel, created_at) FROM STDIN"
    static let copyMessages = "COPY messages (org, contact_seq, id, conversation_id, direction, body, created_at) FROM STDIN"

    private static let updates = (["slot"] + fieldColumns.components(separatedBy: ", ") + ["version"])
        .map { "\($0) = excluded.\($0)" }.joined(separator: ", ")

    /// $1 the org, $2 the chunk's version: the contacts, new ones taking `seq` in the chunk's order;
    /// answers each one's id, seq, and whether it existed already (so has a cascade to replace).
    static let upsertContacts = """
        INSERT INTO contacts (org, id, slot, \(fieldColumns), version)
        SELECT $1, id, slot, \(fieldColumns), $2 FROM import_contacts ORDER BY ord
        ON CONFLICT (org, id) DO UPDATE SET \(updates)
        RETURNING id, seq, NOT (xmax = 0)
        """

    /// $1 the org, $2 the seqs of the re-imported contacts: their conversations and messages go.
    static let clearCascades = """
        WITH cleared AS (DELETE FROM messages WHERE org = $1 AND contact_seq = ANY($2::bigint[]))
        DELETE FROM conversations WHERE org = $1 AND contact_seq = ANY($2::bigint[])
        """

    /// $1 the org, $2 the chunk's version.
    static let upsertApplications = """
        INSERT INTO applications (org, id, slot, contact_id, \(fieldColumns), version)
        SELECT $1, id, slot, contact_id, \(fieldColumns), $2 FROM import_applications ORDER BY ord
        ON CONFLICT (org, id) DO UPDATE SET contact_id = excluded.contact_id, \(updates)
        """
}
