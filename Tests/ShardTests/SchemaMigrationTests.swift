import SQLiteDriver
import Testing
import Wire
import WireRuntime
@testable import Shard

/// A shard database written by an earlier build opens, migrated, and resumes
/// its slices exactly; one written by a newer build is refused as misconfigured.
@Suite struct SchemaMigrationTests {
    private let scratch: ScratchDirectory
    let everySlot = SlotRange(lower: 0, upper: PartitionMap.slotCount)

    init() throws {
        scratch = try ScratchDirectory("schema")
    }

    private static func legacy(_ value: some WireCodable) -> [UInt8] {
        var writer = WireWriter()
        writer.write(value)
        return writer.bytes
    }

    /// Counters as a version-1 checkpoint kept them: bare, in `DeleteCounters`' layout 1 (nine
    /// fields, up to `events`).
    private static func legacy(_ counters: DeleteCounters) -> [UInt8] {
        var writer = WireWriter()
        for field in [counters.total, counters.deleted, counters.skipped, counters.failed, counters.conversations, counters.messages,
                      counters.auditEntries, counters.notifications, counters.events] { writer.write(field) }
        return writer.bytes
    }

    /// The tables and indexes version 3 reshaped, as versions 1 and 2 defined them.
    private static let version2Tables = [
        """
        CREATE TABLE contacts (
            org TEXT NOT NULL, id TEXT NOT NULL, slot INTEGER NOT NULL, stage_id TEXT, assigned_to TEXT,
            name TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]', source TEXT,
            created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL,
            UNIQUE (org, id))
        """,
        "CREATE INDEX contacts_by_stage ON contacts (org, stage_id)",
        "CREATE INDEX contacts_by_assignee ON contacts (org, assigned_to)",
        """
        CREATE TABLE conversations (
            org TEXT NOT NULL, contact_id TEXT NOT NULL, id TEXT NOT NULL, channel TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL, PRIMARY KEY (org, contact_id, id)) WITHOUT ROWID
        """,
        """
        CREATE TABLE messages (
            org TEXT NOT NULL, contact_id TEXT NOT NULL, id TEXT NOT NULL, conversation_id TEXT NOT NULL,
            direction TEXT NOT NULL DEFAULT '', body TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,
            PRIMARY KEY (org, contact_id, id)) WITHOUT ROWID
        """,
    ]

    /// `delete_slices` as versions 1 to 4 defined it: two flags where version 5 has one status.
    private static let version4SliceTable = """
        CREATE TABLE delete_slices (
            job_id TEXT PRIMARY KEY, org TEXT NOT NULL, requester TEXT NOT NULL, filter BLOB NOT NULL, watermark INTEGER NOT NULL,
            counters BLOB NOT NULL, finished INTEGER NOT NULL DEFAULT 0, cancelled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL)
        """

    /// This build's statements but those that make `tables` and their indexes.
    private static func statements(without tables: [String]) -> [String] {
        SQLiteSchema.statements.filter { statement in !tables.contains { statement.contains("EXISTS \($0) (") || statement.contains(" ON \($0) (") } }
    }

    /// The tables of a database of `version` (1 or 2): this build's, with the reshaped
    /// ones and `delete_slices` as they were (and, for version 1, no `delete_failures`), and 30
    /// contacts in stage "gone" with that build's per-shard versions 1…30.
    private func writeDatabase(at path: String, version: Int) throws -> SQLiteDatabase {
        let database = try SQLiteDatabase(path: path)
        let kept = Self.statements(without: ["contacts", "conversations", "messages", "delete_slices"]).filter { statement in
            version > 1 || !statement.contains("delete_failures")
        }
        for statement in Self.version2Tables + [Self.version4SliceTable] + kept { try database.execute(statement) }
        try database.prepare("INSERT INTO meta (key, value) VALUES ('owner', ?), ('schema', ?)")
            .run([.text("shard 0 (slots \(everySlot))"), .text("\(version)")])
        let contact = try database.prepare("""
            INSERT INTO contacts (org, id, slot, stage_id, created_at, updated_at, version) VALUES ('o1', ?, 0, 'gone', 1, 1, ?)
            """)
        for number in 10..<40 { try contact.run([.text(String(format: "%024x", number)), .integer(Int64(number - 9))]) }
        return database
    }

    /// A version-1 database (see `writeDatabase`) with a slice that deleted 10 of
    /// its contacts with watermark 30, and a tombstone of a job cancelled before its assignment.
    private func writeVersion1Database(at path: String) throws {
        let database = try writeDatabase(at: path, version: 1)
        var filter = ContactFilter()
        filter.stageIds = ["gone"]
        var counters = DeleteCounters()
        counters.total = 40
        counters.deleted = 10
        let slice = try database.prepare("""
            INSERT INTO delete_slices (job_id, org, requester, filter, watermark, counters, finished, cancelled, created_at)
            VALUES (?, 'o1', 'admin', ?, 30, ?, ?, ?, 1)
            """)
        try slice.bind("j1", at: 1)
        try slice.bind(bytes: Self.legacy(filter), at: 2)
        try slice.bind(bytes: Self.legacy(counters), at: 3)
        try slice.bind(0, at: 4)
        try slice.bind(0, at: 5)
        try slice.execute()
        try slice.bind("gone-before-assigned", at: 1)
        try slice.bind(bytes: [], at: 2)
        try slice.bind(bytes: Self.legacy(DeleteCounters()), at: 3)
        try slice.bind(1, at: 4)
        try slice.bind(1, at: 5)
        try slice.execute()
    }

    @Test func aVersion1DatabaseOpensMigratedAndItsSlicesResumeExactly() async throws {
        let path = "\(scratch.path)/v1.db"
        try writeVersion1Database(at: path)
        let store = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        #expect(try await store.schemaVersion() == Int64(SQLiteSchema.version))
        // The coordinator gives the slice again (any watermark: the checkpoint's stands).
        var filter = ContactFilter()
        filter.stageIds = ["gone"]
        let resumed = try await store.startSlice(SliceAssignment(jobId: "j1", org: "o1", requester: "admin", filter: filter, watermark: 0))
        #expect(resumed.counters.total == 40)
        #expect(resumed.counters.deleted == 10)
        var end = resumed
        while !end.outcome.isFinal { end = try await store.runNextBatch("j1") }
        #expect(end.counters.deleted == 40)
        #expect(try await store.stats(org: "o1").contacts == 0)
        #expect(try await store.cancelSlice("gone-before-assigned").outcome == .cancelled)
    }

    /// Version 2 kept conversations and messages under their contact's id:
    /// after the migration each contact still has its own, its cascade is
    /// replaced by a re-import and deleted with it, and rows whose contact was
    /// gone are not carried over.
    @Test func aVersion2DatabaseKeepsEachContactsConversationsAndMessages() async throws {
        let path = "\(scratch.path)/v2.db"
        do {
            let database = try writeDatabase(at: path, version: 2)
            let conversation = try database.prepare("INSERT INTO conversations (org, contact_id, id, channel, created_at) VALUES ('o1', ?, ?, 'sms', 1)")
            let message = try database.prepare("""
                INSERT INTO messages (org, contact_id, id, conversation_id, created_at) VALUES ('o1', ?, ?, ?, 1)
                """)
            // Contact n (10…12) has n - 9 conversations of 2 messages each; "orphan" has one of each and no contact.
            for (contact, conversations) in [(10, 1), (11, 2), (12, 3)].map({ (String(format: "%024x", $0), $1) }) + [("orphan", 1)] {
                for c in 0..<conversations {
                    try conversation.run([.text(contact), .text("c\(c)")])
                    for m in 0..<2 { try message.run([.text(contact), .text("m\(c)\(m)"), .text("c\(c)")]) }
                }
            }
        }
        let store = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        #expect(try await store.schemaVersion() == Int64(SQLiteSchema.version))
        for (number, conversations) in [(10, 1), (11, 2), (12, 3), (13, 0)] {
            let detail = try #require(try await store.contact(org: "o1", id: String(format: "%024x", number)))
            #expect([detail.conversationCount, detail.messageCount] == [UInt64(conversations), UInt64(2 * conversations)], "\(number)")
        }
        var stats = try await store.stats(org: "o1")
        #expect([stats.contacts, stats.conversations, stats.messages] == [30, 6, 12])
        // Contact 12 re-imported with 2 conversations of 3 messages: its 3 old ones are replaced.
        _ = try await store.importRecords(org: "o1", [sliceContact(12, stage: "gone", assignee: nil)])
        stats = try await store.stats(org: "o1")
        #expect([stats.contacts, stats.conversations, stats.messages] == [30, 5, 12])
        // A new contact is numbered after every migrated one.
        _ = try await store.importRecords(org: "o1", [sliceContact(99, stage: "gone", assignee: nil)])
        #expect(try await store.maximumContactSeq() == 31)
        var orgWide = ContactFilter()
        orgWide.orgWide = true
        var end = try await store.startSlice(SliceAssignment(jobId: "j2", org: "o1", requester: "admin", filter: orgWide, watermark: .max))
        while !end.outcome.isFinal { end = try await store.runNextBatch("j2", limit: 7) }
        #expect(end.counters.deleted == 31)
        #expect([end.counters.conversations, end.counters.messages] == [7, 18])
        stats = try await store.stats(org: "o1")
        #expect([stats.contacts, stats.conversations, stats.messages] == [0, 0, 0])
    }

    /// The copy commits a chunk at a time and each start resumes after the last contact copied:
    /// a large shard is killed by its supervisor before it finishes and must get further each time.
    @Test func theVersion2CopyGoesAChunkAtATimeAndResumesWhereItStopped() throws {
        let path = "\(scratch.path)/chunks.db"
        let database = try writeDatabase(at: path, version: 2)
        let conversation = try database.prepare("INSERT INTO conversations (org, contact_id, id, channel, created_at) VALUES ('o1', ?, 'c', 'sms', 1)")
        for number in 10..<40 { try conversation.run([.text(String(format: "%024x", number))]) }
        try database.transaction { try SQLiteSchema.prepare(database, path: path) }
        // As if killed after the first 12 contacts (two chunks of 6) were copied with their cascade.
        try database.transaction {
            try database.execute("""
                INSERT INTO contacts (seq, org, id, slot, created_at, updated_at, version)
                SELECT rowid, org, id, slot, created_at, updated_at, version FROM contacts_v2 WHERE rowid <= 12;
                INSERT INTO conversations (org, contact_seq, id, channel, created_at)
                SELECT c.org, c.seq, v.id, v.channel, v.created_at FROM contacts c JOIN conversations_v2 v ON v.contact_id = c.id;
                """)
        }
        try SQLiteSchema.finishCopyingVersion2Tables(database, copyChunk: 6)
        #expect(try database.scalar("SELECT count(*) FROM contacts") == 30)
        #expect(try database.scalar("SELECT count(DISTINCT contact_seq) FROM conversations") == 30)
        #expect(try database.scalar("SELECT count(*) FROM conversations") == 30)
        #expect(try database.scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE '%_v2'") == 0)
    }

    /// Version 3 had no index of applications by their contact; opened, a database gains it, as a
    /// contact's delete finds its applications by it, and records the current version.
    @Test func aVersion3DatabaseGainsTheIndexOfApplicationsByContact() async throws {
        let path = "\(scratch.path)/v3.db"
        do {
            let database = try SQLiteDatabase(path: path)
            for statement in Self.statements(without: ["delete_slices"]) + [Self.version4SliceTable]
            where !statement.contains("applications_by_contact") { try database.execute(statement) }
            try database.prepare("INSERT INTO meta (key, value) VALUES ('owner', ?), ('schema', '3')").run([.text("shard 0 (slots \(everySlot))")])
        }
        let store = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        #expect(try await store.schemaVersion() == Int64(SQLiteSchema.version))
        #expect(try await store.hasIndex("applications_by_contact"))
    }

    /// Version 4 kept a slice's state as two flags and no kind; opened, a database keeps one status
    /// for each slice (a cancelled one was also marked finished), records each as a delete (the
    /// only kind before), its slices answer as before, and the flags are gone.
    @Test func aVersion4DatabaseFoldsEachSlicesTwoFlagsIntoItsStatusAndRecordsItsKind() async throws {
        let path = "\(scratch.path)/v4.db"
        do {
            let database = try SQLiteDatabase(path: path)
            for statement in Self.statements(without: ["delete_slices"]) + [Self.version4SliceTable] { try database.execute(statement) }
            let (filter, counters) = try Self.fiveContactsOfAStageGone(in: database, schema: 4)
            let slice = try database.prepare("""
                INSERT INTO delete_slices (job_id, org, requester, filter, watermark, counters, finished, cancelled, created_at)
                VALUES (?, 'o1', 'admin', ?, 1, ?, ?, ?, 1)
                """)
            for (job, finished, cancelled) in [("running", 0, 0), ("finished", 1, 0), ("cancelled", 1, 1)] {
                try slice.bind(job, at: 1)
                try slice.bind(bytes: filter.storedBytes, at: 2)
                try slice.bind(bytes: counters.storedBytes, at: 3)
                try slice.bind(Int64(finished), at: 4)
                try slice.bind(Int64(cancelled), at: 5)
                try slice.execute()
            }
        }
        let store = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        #expect(try await store.schemaVersion() == Int64(SQLiteSchema.version))
        #expect(try await store.sliceStatuses() == ["cancelled": SliceStatus.cancelled.rawValue, "finished": SliceStatus.finished.rawValue,
                                                   "running": SliceStatus.running.rawValue])
        let delete = Int64(JobKind.delete.rawValue)
        #expect(try await store.sliceKinds() == ["cancelled": delete, "finished": delete, "running": delete])
        #expect(
            try await store.sliceColumns()
                == ["job_id", "org", "requester", "filter", "watermark", "counters", "created_at", "status", "kind", "permanent", "restores"])
        #expect(try await store.cancelProgress("finished").outcome == .finished)
        #expect(try await store.cancelProgress("cancelled").outcome == .cancelled)
        let resumed = try await store.runNextBatch("running")
        #expect(resumed.outcome == .finished)
        #expect(resumed.counters.deleted == 5)
    }

    /// `delete_slices` as version 5 defined it: a status and a kind, but neither `permanent` nor `restores`.
    private static let version5SliceTable = """
        CREATE TABLE delete_slices (
            job_id TEXT PRIMARY KEY, org TEXT NOT NULL, requester TEXT NOT NULL, filter BLOB NOT NULL, watermark INTEGER NOT NULL,
            counters BLOB NOT NULL, status INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
            kind INTEGER NOT NULL DEFAULT \(JobKind.delete.rawValue))
        """

    /// Version 5 kept nothing of what a delete deleted: opened, a database gains the kept tables and
    /// its slices' two new columns, and each slice reads as the permanent delete it was, so one
    /// still running resumes exactly and keeps nothing of what is left.
    @Test func aVersion5DatabaseGainsTheKeptTablesAndItsSlicesResumeAsPermanentDeletes() async throws {
        let path = "\(scratch.path)/v5.db"
        let keptTables = ["kept_contacts", "kept_applications", "kept_totals", "kept_purges"]
        do {
            let database = try SQLiteDatabase(path: path)
            for statement in Self.statements(without: ["delete_slices"] + keptTables) + [Self.version5SliceTable] { try database.execute(statement) }
            let (filter, counters) = try Self.fiveContactsOfAStageGone(in: database, schema: 5)
            let slice = try database.prepare("""
                INSERT INTO delete_slices (job_id, org, requester, filter, watermark, counters, status, created_at) VALUES (?, 'o1', 'admin', ?, 1, ?, ?, 1)
                """)
            for (job, status) in [("running", SliceStatus.running), ("finished", SliceStatus.finished)] {
                try slice.bind(job, at: 1)
                try slice.bind(bytes: filter.storedBytes, at: 2)
                try slice.bind(bytes: counters.storedBytes, at: 3)
                try slice.bind(status.rawValue, at: 4)
                try slice.execute()
            }
        }
        let store = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        #expect(try await store.schemaVersion() == Int64(SQLiteSchema.version))
        for table in keptTables { #expect(try await store.scalar("SELECT count(*) FROM sqlite_master WHERE name = '\(table)'") == 1, "\(table)") }
        #expect(try await store.sliceColumns().suffix(2) == ["permanent", "restores"])
        let running = try #require(try await store.loadSliceRow("running"))
        #expect(running.permanent && running.restores == nil)
        #expect(try await store.cancelProgress("finished").outcome == .finished)
        let resumed = try await store.runNextBatch("running")
        #expect(resumed.outcome == .finished && resumed.counters.deleted == 5)
        #expect(try await store.stats(org: "o1").contacts == 0)
        #expect(try await store.scalar("SELECT count(*) FROM kept_contacts") == 0, "a permanent delete keeps nothing")
    }

    /// The kept tables as version 6 defined them: contacts without their cascade's counts, and
    /// copies of their conversations and messages.
    private static let version6KeptTables = [
        """
        CREATE TABLE kept_contacts (
            job_id TEXT NOT NULL, seq INTEGER NOT NULL, org TEXT NOT NULL, id TEXT NOT NULL, slot INTEGER NOT NULL, stage_id TEXT,
            assigned_to TEXT, name TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]', source TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL,
            PRIMARY KEY (job_id, seq)) WITHOUT ROWID
        """,
        """
        CREATE TABLE kept_conversations (
            job_id TEXT NOT NULL, org TEXT NOT NULL, contact_seq INTEGER NOT NULL, id TEXT NOT NULL, channel TEXT NOT NULL,
            created_at INTEGER NOT NULL, PRIMARY KEY (job_id, contact_seq, id)) WITHOUT ROWID
        """,
        """
        CREATE TABLE kept_messages (
            job_id TEXT NOT NULL, org TEXT NOT NULL, contact_seq INTEGER NOT NULL, id TEXT NOT NULL, conversation_id TEXT NOT NULL,
            direction TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (job_id, contact_seq, id)) WITHOUT ROWID
        """,
    ]

    /// Version 6 copied a kept contact's conversations and messages aside and let SQLite hand its
    /// seq to a new contact. Opened, a database moves the copies back under a new seq of the kept
    /// contact's own, so stats count only the live data, a contact imported next takes a seq of
    /// its own, and the restore puts the kept contact back with its cascade.
    @Test func aVersion6DatabaseMovesTheKeptCascadeBackUnderASeqNoContactHas() async throws {
        let path = "\(scratch.path)/v6.db"
        do {
            let database = try SQLiteDatabase(path: path)
            for statement in Self.statements(without: ["kept_contacts", "kept_totals"]) + Self.version6KeptTables { try database.execute(statement) }
            try database.prepare("INSERT INTO meta (key, value) VALUES ('owner', ?), ('schema', '6')").run([.text("shard 0 (slots \(everySlot))")])
            // "kept" was contact 1 when job-d deleted it; "live", imported since, took seq 1 again.
            try database.execute("""
                INSERT INTO contacts (seq, org, id, slot, name, created_at, updated_at, version) VALUES (1, 'o1', 'live', 0, 'Live', 1, 1, 2);
                INSERT INTO conversations (org, contact_seq, id, channel, created_at) VALUES ('o1', 1, 'live-c', 'sms', 1);
                INSERT INTO messages (org, contact_seq, id, conversation_id, direction, body, created_at) VALUES ('o1', 1, 'live-m', 'live-c', 'in', 'hi', 1);
                INSERT INTO kept_contacts (job_id, seq, org, id, slot, name, created_at, updated_at, version) VALUES ('job-d', 1, 'o1', 'kept', 0, 'Kept', 1, 1, 1);
                INSERT INTO kept_conversations (job_id, org, contact_seq, id, channel, created_at) VALUES ('job-d', 'o1', 1, 'k1', 'sms', 1), ('job-d', 'o1', 1, 'k2', 'sms', 1);
                INSERT INTO kept_messages (job_id, org, contact_seq, id, conversation_id, direction, body, created_at)
                VALUES ('job-d', 'o1', 1, 'km1', 'k1', 'in', 'a', 1), ('job-d', 'o1', 1, 'km2', 'k1', 'in', 'b', 1), ('job-d', 'o1', 1, 'km3', 'k2', 'in', 'c', 1);
                """)
        }
        let partition = try OpenPartition.open(.sqlite, at: path)
        let store = try #require(partition.store as? SQLiteShardStore)
        #expect(try await store.schemaVersion() == Int64(SQLiteSchema.version))
        #expect(try await store.scalar("SELECT count(*) FROM sqlite_master WHERE name IN ('kept_conversations', 'kept_messages')") == 0)
        var stats = try await partition.reads.stats(org: "o1")
        #expect([stats.contacts, stats.conversations, stats.messages] == [1, 1, 1])
        #expect(try await partition.reads.contact(org: "o1", id: "live").map { [$0.conversationCount, $0.messageCount] } == [1, 1])

        let imported = PartitionContractTests.contact(7, conversations: 1)
        try await partition.importAll(org: "o1", [imported])
        #expect(try await partition.reads.contact(org: "o1", id: imported.id).map { [$0.conversationCount, $0.messageCount] } == [1, 3])

        let restore = SliceAssignment(
            jobId: "job-r", spec: JobSpec(kind: .restore, org: "o1", requester: "fixer", filter: ContactFilter(), restores: "job-d"),
            watermark: TestVersions.next())
        var progress = try await store.startSlice(restore)
        while !progress.outcome.isFinal { progress = try await store.runNextBatch("job-r", limit: 10) }
        #expect([progress.counters.deleted, progress.counters.conversations, progress.counters.messages] == [1, 2, 3])
        let kept = try #require(try await partition.reads.contact(org: "o1", id: "kept"))
        #expect(kept.contact.name == "Kept" && [kept.conversationCount, kept.messageCount] == [2, 3])
        stats = try await partition.reads.stats(org: "o1")
        #expect([stats.contacts, stats.conversations, stats.messages] == [3, 4, 7])
    }

    @Test func aDatabaseOfANewerSchemaIsRefusedAsMisconfigured() throws {
        let path = "\(scratch.path)/newer.db"
        do { _ = try SQLiteShardStore(path: path, index: 0, slots: everySlot) }
        try SQLiteDatabase(path: path).execute("UPDATE meta SET value = '\(SQLiteSchema.version + 1)' WHERE key = 'schema'")
        let error = #expect(throws: StoreError.self) { _ = try SQLiteShardStore(path: path, index: 0, slots: everySlot) }
        #expect(error == .newerSchema(path: path, found: Int64(SQLiteSchema.version + 1), supported: Int64(SQLiteSchema.version)))
        #expect(error.map { ShardExit(for: $0) } == .misconfigured)
    }
}

extension SchemaMigrationTests {
    /// Records `database` as a shard's of `schema` holding five contacts of org o1 in stage "gone";
    /// the filter of a delete of them and its counters when taken on.
    static func fiveContactsOfAStageGone(in database: SQLiteDatabase, schema: Int) throws -> (ContactFilter, DeleteCounters) {
        try database.prepare("INSERT INTO meta (key, value) VALUES ('owner', ?), ('schema', '\(schema)')").run([
            .text("shard 0 (slots \(OpenPartition.everySlot))")
        ])
        let contact = try database.prepare("""
            INSERT INTO contacts (org, id, slot, stage_id, created_at, updated_at, version) VALUES ('o1', ?, 0, 'gone', 1, 1, 1)
            """)
        for number in 0..<5 { try contact.run([.text("c\(number)")]) }
        var filter = ContactFilter()
        filter.stageIds = ["gone"]
        var counters = DeleteCounters()
        counters.total = 5
        return (filter, counters)
    }
}

extension SQLiteShardStore {
    func sliceStatuses() throws -> [String: Int64] { try sliceColumn("status") }
    func sliceKinds() throws -> [String: Int64] { try sliceColumn("kind") }
    private func sliceColumn(_ column: String) throws -> [String: Int64] {
        try statements.withStatement("SELECT job_id, \(column) FROM delete_slices", []) { read in
            var values: [String: Int64] = [:]
            while try read.step() { values[read.text(0)] = read.integer(1) }
            return values
        }
    }
    func sliceColumns() throws -> [String] {
        try statements.withStatement("SELECT name FROM pragma_table_info('delete_slices') ORDER BY cid", []) { read in
            var columns: [String] = []
            while try read.step() { columns.append(read.text(0)) }
            return columns
        }
    }
    func schemaVersion() throws -> Int64 { try database.scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema'") }
    func maximumContactSeq() throws -> Int64 { try database.scalar("SELECT max(seq) FROM contacts") }
    func hasIndex(_ name: String) throws -> Bool {
        try database.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", [.text(name)]) == 1
    }
}
