import SQLiteDriver
import StorageDriver
import Wire

extension SQLiteSchema {
    /// Creates the tables of a new database, or checks and migrates an
    /// existing one, inside the caller's transaction. The version is kept in
    /// `meta` (`schema`): a database written by a newer build is refused
    /// (`StoreError.newerSchema`), never misread; an older one is brought up
    /// to `version`.
    ///
    /// Versions:
    /// 1. `delete_slices` keeps its filter and counters wire-encoded, with no layout byte.
    /// 2. Every stored blob starts with its layout byte (`StoredCodable`); `delete_failures`.
    /// 3. Contacts have an explicit `seq`; conversations and messages are keyed by it, not by the
    ///    contact's id. The rows are copied after this transaction (`finishCopyingVersion2Tables`).
    /// 4. Applications are indexed by their contact (`applications_by_contact`), as a contact's delete
    ///    removes its applications; `CREATE INDEX IF NOT EXISTS` among `statements` builds it.
    /// 5. A slice's state is one `status` column (`SliceStatus`), where two flags, `finished` and
    ///    `cancelled`, could contradict each other; a slice records its `kind` (`JobKind`), delete
    ///    for every slice before.
    /// 6. Restorable deletes: the `kept_` tables and `kept_purges` (made by `statements`), and a slice
    ///    records whether it is a `permanent` delete and which delete it `restores`. Every slice
    ///    before kept nothing: permanent.
    /// 7. A restorable delete leaves a kept contact's conversations and messages in place, under its
    ///    seq, and imports never hand a seq out twice (`ImportStatements`): what version 6 copied
    ///    into `kept_conversations` and `kept_messages` moves back (`keepCascadesInPlace`).
    static func prepare(_ database: SQLiteDatabase, path: String) throws {
        let existing = try database.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'") > 0
        let found = existing ? try database.scalar("SELECT coalesce(max(CAST(value AS INTEGER)), 1) FROM meta WHERE key = 'schema'") : Int64(version)
        guard found <= version else { throw StoreError.newerSchema(path: path, found: found, supported: Int64(version)) }
        let reshaped = existing && found < 3
        if reshaped { try setVersion2TablesAside(database) }
        for statement in statements { try database.execute(statement) }
        guard existing, found < version else { return }
        if found < 2 { try migrateFromVersion1(database) }
        if found < 5 { try giveSlicesStatusAndKind(database) }
        if found < 6 { try giveSlicesPermanentAndRestores(database) }
        if found < 7 { try keepCascadesInPlace(database) }
        try database.prepare("UPDATE meta SET value = ? WHERE key = 'schema'").run([.text("\(version)")])
    }

    /// The tables version 3 reshapes, and the indexes whose names it reuses.
    private static let reshapedTables = ["contacts", "conversations", "messages"]
    private static let reshapedIndexes = ["contacts_by_org", "contacts_by_stage", "contacts_by_assignee"]

    /// Version 2 → 3, first half: renames the tables to reshape out of the way of their new definitions.
    private static func setVersion2TablesAside(_ database: SQLiteDatabase) throws {
        for index in reshapedIndexes { try database.execute("DROP INDEX IF EXISTS \(index)") }
        for table in reshapedTables { try database.execute("ALTER TABLE \(table) RENAME TO \(table)_v2") }
    }

    /// Version 1 → 2: each checkpoint's filter and counters get their layout byte.
    private static func migrateFromVersion1(_ database: SQLiteDatabase) throws {
        let read = try database.prepare("SELECT job_id, filter, counters FROM delete_slices")
        let rewrite = try database.prepare("UPDATE delete_slices SET filter = ?, counters = ? WHERE job_id = ?")
        while try read.step() {
            // A tombstone (a job cancelled before it was assigned here) has no filter, then and now.
            let filterBytes = read.blob(1)
            try rewrite.bind(bytes: filterBytes.isEmpty ? [] : try ContactFilter(bareBytes: filterBytes).storedBytes, at: 1)
            try rewrite.bind(bytes: try DeleteCounters(bareBytes: read.blob(2)).storedBytes, at: 2)
            try rewrite.bind(read.text(0), at: 3)
            try rewrite.execute()
        }
    }

    /// Version 4 → 5: each slice's two flags become its status, and it records its kind: every
    /// slice before was a delete. A table made by `statements` already has both columns, and only
    /// the flags' table is changed.
    private static func giveSlicesStatusAndKind(_ database: SQLiteDatabase) throws {
        guard try database.scalar("SELECT count(*) FROM pragma_table_info('delete_slices') WHERE name = 'finished'") > 0 else { return }
        try database.execute("""
            ALTER TABLE delete_slices ADD COLUMN status INTEGER NOT NULL DEFAULT 0;
            UPDATE delete_slices SET status = \(SliceStatus.fromFlags(finished: "finished != 0", cancelled: "cancelled != 0"));
            ALTER TABLE delete_slices DROP COLUMN finished;
            ALTER TABLE delete_slices DROP COLUMN cancelled;
            ALTER TABLE delete_slices ADD COLUMN kind INTEGER NOT NULL DEFAULT \(JobKind.delete.rawValue);
            """)
    }

    /// Version 5 → 6: each slice records whether it keeps a copy and which delete it restores.
    /// Every slice before was a delete that kept nothing (permanent), and none a restore.
    private static func giveSlicesPermanentAndRestores(_ database: SQLiteDatabase) throws {
        try database.execute("""
            ALTER TABLE delete_slices ADD COLUMN permanent INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE delete_slices ADD COLUMN restores TEXT;
            UPDATE delete_slices SET permanent = 1;
            """)
    }

    /// Version 6 → 7: each kept contact takes a new seq above every seq handed out (version 6 let
    /// SQLite hand a kept contact's seq to a new contact), its copied conversations and messages
    /// go back into the live tables under it, it records how many it has, and each org's
    /// `kept_totals` count them; the copies' tables go, and the highest seq is marked for imports.
    /// A database of an earlier version has no copies: `statements` made the tables as version 7's.
    private static func keepCascadesInPlace(_ database: SQLiteDatabase) throws {
        guard try database.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'kept_conversations'") > 0 else { return }
        let highest = try database.scalar(
            "SELECT max((\(ImportStatements.readSeqHigh)), coalesce((SELECT max(seq) FROM kept_contacts), 0))")
        try database.execute("""
            ALTER TABLE kept_contacts ADD COLUMN conversations INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE kept_contacts ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
            CREATE TEMP TABLE kept_renumbering (job_id TEXT, old_seq INTEGER, new_seq INTEGER, PRIMARY KEY (job_id, old_seq)) WITHOUT ROWID;
            INSERT INTO temp.kept_renumbering SELECT job_id, seq, \(highest) + row_number() OVER (ORDER BY job_id, seq) FROM kept_contacts;
            INSERT INTO conversations (org, contact_seq, id, channel, created_at)
            SELECT k.org, r.new_seq, k.id, k.channel, k.created_at
            FROM kept_conversations k JOIN temp.kept_renumbering r ON r.job_id = k.job_id AND r.old_seq = k.contact_seq;
            INSERT INTO messages (org, contact_seq, id, conversation_id, direction, body, created_at)
            SELECT k.org, r.new_seq, k.id, k.conversation_id, k.direction, k.body, k.created_at
            FROM kept_messages k JOIN temp.kept_renumbering r ON r.job_id = k.job_id AND r.old_seq = k.contact_seq;
            UPDATE kept_contacts SET
                conversations = (SELECT count(*) FROM kept_conversations v WHERE v.job_id = kept_contacts.job_id AND v.contact_seq = kept_contacts.seq),
                messages = (SELECT count(*) FROM kept_messages m WHERE m.job_id = kept_contacts.job_id AND m.contact_seq = kept_contacts.seq),
                seq = (SELECT new_seq FROM temp.kept_renumbering r WHERE r.job_id = kept_contacts.job_id AND r.old_seq = kept_contacts.seq);
            INSERT INTO kept_totals (org, conversations, messages) SELECT org, sum(conversations), sum(messages) FROM kept_contacts GROUP BY org;
            INSERT OR REPLACE INTO meta (key, value)
            SELECT '\(ImportStatements.seqHighKey)', \(highest) + count(*) FROM kept_contacts;
            DROP TABLE temp.kept_renumbering;
            DROP TABLE kept_conversations;
            DROP TABLE kept_messages;
            """)
    }

    /// Version 2 → 3, second half, after the transaction that set the old tables
    /// aside has committed: copies every contact with its rowid as its `seq`, and
    /// each conversation and message under its contact's `seq`, then drops the
    /// old tables. It commits every `copyChunk` contacts with their cascade, and
    /// resumes after the last one copied: a large shard takes minutes, longer
    /// than its supervisor waits for it to register, and each start must get
    /// further than the last. Nothing else runs on the database meanwhile (the
    /// shard registers after it). Rows whose contact is gone cannot be reached
    /// by any request and are left behind.
    static func finishCopyingVersion2Tables(_ database: SQLiteDatabase, copyChunk: Int = 20_000) throws {
        guard try database.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'contacts_v2'") > 0 else { return }
        let columns = "org, id, slot, stage_id, assigned_to, name, email, phone, tags, source, created_at, updated_at, version"
        while true {
            let copied = try database.transaction {
                let after = try database.scalar("SELECT coalesce(max(seq), 0) FROM contacts")
                try database.prepare("""
                    INSERT INTO contacts (seq, \(columns)) SELECT rowid, \(columns) FROM contacts_v2 WHERE rowid > ? ORDER BY rowid LIMIT ?
                    """).run([.integer(after), .integer(Int64(copyChunk))])
                let copied = database.changes
                let chunk: [SQLValue] = [.integer(after)]
                try database.prepare("""
                    INSERT INTO conversations (org, contact_seq, id, channel, created_at)
                    SELECT c.org, c.seq, v.id, v.channel, v.created_at
                    FROM contacts c JOIN conversations_v2 v ON v.org = c.org AND v.contact_id = c.id WHERE c.seq > ? ORDER BY c.org, c.seq, v.id
                    """).run(chunk)
                try database.prepare("""
                    INSERT INTO messages (org, contact_seq, id, conversation_id, direction, body, created_at)
                    SELECT c.org, c.seq, m.id, m.conversation_id, m.direction, m.body, m.created_at
                    FROM contacts c JOIN messages_v2 m ON m.org = c.org AND m.contact_id = c.id WHERE c.seq > ? ORDER BY c.org, c.seq, m.id
                    """).run(chunk)
                return copied
            }
            if copied < copyChunk { break }
        }
        try database.transaction {
            for table in reshapedTables { try database.execute("DROP TABLE \(table)_v2") }
        }
    }
}
