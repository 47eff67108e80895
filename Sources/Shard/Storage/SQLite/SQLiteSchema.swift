import Wire

/// The tables of one shard's database. Every row carries its `org`; every
/// query starts with `org = ?` so a tenant never sees another's rows.
///
/// Conversations and messages are clustered by their contact's `seq` (`WITHOUT
/// ROWID`, keyed by org, contact_seq, id): a row is one B-tree insert instead of
/// three, and a contact's whole cascade is one contiguous range to count or
/// delete. Their ids are unique per contact. `seq` is the order contacts were
/// first imported in, so an import appends to every table, and a delete batch
/// taken in `seq` order (from `contacts_by_org`) is one contiguous range of
/// each: chosen by id, as ids are random, a batch of a large tenant touched a
/// page of the contacts table and of each index for nearly every record, and
/// cost more per record the larger the table. `seq` is an explicit INTEGER
/// PRIMARY KEY because VACUUM may renumber an implicit rowid.
///
/// Dates are Unix epoch milliseconds. `tags` is a JSON array of strings
/// (queried with `json_each`). `version` is a per-database sequence bumped on
/// every insert or re-import: a delete job records the highest version at
/// registration and leaves rows imported after it alone.
///
/// `delete_slices` is each job's checkpoint on this shard: its kind (`JobKind`), its filter, its
/// watermark, its counters (stored with their layout byte), its `SliceStatus`, whether a delete is
/// `permanent` and which delete a restore `restores`, written in the same transaction as each
/// batch's deletions, so a restarted shard resumes exactly.
/// `delete_failures` holds the records a job set aside as failed one by one,
/// so that its later batches pass them by.
///
/// Applications are placed by their contact's id (its slot), so they live on
/// their contact's shard and a contact's delete removes them in its own
/// transaction.
///
/// A restorable delete keeps what it deleted, in its batch's transaction: its contacts move to
/// `kept_contacts` (with how many conversations and messages each has) and the applications
/// deleted with them to `kept_applications`, each the live table's columns after the delete's
/// `job_id`, keyed so one job's rows are one contiguous range in the order it deleted them
/// (contacts by their `seq`, applications by their contact's id), with no other index. Their
/// conversations and messages stay where they are, under the kept contact's seq, which no live
/// contact has (imports never hand a seq out twice, `ImportStatements`): no read reaches them but
/// `stats`, which subtracts the org's `kept_totals`, kept in the same statements. Copying them
/// instead cost a restorable delete half its rate (docs/benchmarks.md, "What SQLite could do
/// instead"). A restore puts a contact back under its kept seq; the purge deletes a kept
/// contact's cascade by it. `kept_purges` holds the deletes whose kept rows are to be purged
/// (their restore window ended), until the last of them is gone.
///
/// `event_outbox.seq` is AUTOINCREMENT: rows leave the outbox once published,
/// and a plain rowid would then be reused, giving two events the same id.
enum SQLiteSchema {
    /// Bumped when a statement below, or a stored layout, changes in a way old
    /// databases need migrating for (`SQLiteSchema+Migration.swift`).
    static let version = 7

    /// What contacts and applications share: everything a filter can match on.
    private static let recordFields = """
        slot INTEGER NOT NULL, stage_id TEXT, assigned_to TEXT,
        name TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]', source TEXT,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL
        """
    private static let recordColumns = "\(recordFields),\n    UNIQUE (org, id)"

    /// The columns a kept table copies from its live table (after its `job_id`), named rather than
    /// `*`, so that a column added to a live table later cannot shift a copy or a restore.
    static let contactColumns = "seq, org, id, \(recordData), version"
    static let applicationColumns = "org, id, contact_id, \(recordData), version"
    /// What a record is besides its key and its `version`: what a restore puts back as it was.
    static let recordData = "slot, stage_id, assigned_to, name, email, phone, tags, source, created_at, updated_at"

    static let statements: [String] = [
        """
        CREATE TABLE IF NOT EXISTS meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS contacts (
            seq INTEGER PRIMARY KEY,
            org TEXT NOT NULL,
            id TEXT NOT NULL,
            \(recordColumns)
        )
        """,
        "CREATE INDEX IF NOT EXISTS contacts_by_org ON contacts (org)",
        "CREATE INDEX IF NOT EXISTS contacts_by_stage ON contacts (org, stage_id)",
        "CREATE INDEX IF NOT EXISTS contacts_by_assignee ON contacts (org, assigned_to)",
        """
        CREATE TABLE IF NOT EXISTS applications (
            org TEXT NOT NULL,
            id TEXT NOT NULL,
            contact_id TEXT NOT NULL,
            \(recordColumns)
        )
        """,
        "CREATE INDEX IF NOT EXISTS applications_by_org ON applications (org)",
        "CREATE INDEX IF NOT EXISTS applications_by_stage ON applications (org, stage_id)",
        "CREATE INDEX IF NOT EXISTS applications_by_assignee ON applications (org, assigned_to)",
        // A contact's delete takes its applications with it: each batch finds them by this index,
        // never by a scan of every application.
        "CREATE INDEX IF NOT EXISTS applications_by_contact ON applications (org, contact_id)",
        """
        CREATE TABLE IF NOT EXISTS conversations (
            org TEXT NOT NULL,
            contact_seq INTEGER NOT NULL,
            id TEXT NOT NULL,
            channel TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            PRIMARY KEY (org, contact_seq, id)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS messages (
            org TEXT NOT NULL,
            contact_seq INTEGER NOT NULL,
            id TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            direction TEXT NOT NULL DEFAULT '',
            body TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            PRIMARY KEY (org, contact_seq, id)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_entries (
            seq INTEGER PRIMARY KEY,
            org TEXT NOT NULL,
            type TEXT NOT NULL,
            job_id TEXT NOT NULL,
            actor TEXT NOT NULL,
            record_id TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS audit_entries_by_org ON audit_entries (org, type, seq)",
        """
        CREATE TABLE IF NOT EXISTS notifications (
            seq INTEGER PRIMARY KEY,
            org TEXT NOT NULL,
            user_id TEXT NOT NULL,
            type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            job_id TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS notifications_by_user ON notifications (org, user_id, seq)",
        """
        CREATE TABLE IF NOT EXISTS delete_slices (
            job_id TEXT PRIMARY KEY,
            org TEXT NOT NULL,
            requester TEXT NOT NULL,
            filter BLOB NOT NULL,
            watermark INTEGER NOT NULL,
            counters BLOB NOT NULL,
            status INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            kind INTEGER NOT NULL DEFAULT \(JobKind.delete.rawValue),
            permanent INTEGER NOT NULL DEFAULT 0,
            restores TEXT
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS delete_failures (
            job_id TEXT NOT NULL,
            record_id TEXT NOT NULL,
            message TEXT NOT NULL,
            PRIMARY KEY (job_id, record_id)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS event_outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            org TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS kept_contacts (
            job_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            org TEXT NOT NULL,
            id TEXT NOT NULL,
            \(recordFields),
            conversations INTEGER NOT NULL DEFAULT 0,
            messages INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (job_id, seq)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS kept_applications (
            job_id TEXT NOT NULL,
            org TEXT NOT NULL,
            id TEXT NOT NULL,
            contact_id TEXT NOT NULL,
            \(recordFields),
            PRIMARY KEY (job_id, contact_id, id)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS kept_totals (
            org TEXT PRIMARY KEY,
            conversations INTEGER NOT NULL,
            messages INTEGER NOT NULL
        ) WITHOUT ROWID
        """,
        "CREATE TABLE IF NOT EXISTS kept_purges (job_id TEXT PRIMARY KEY) WITHOUT ROWID",
    ]
}
