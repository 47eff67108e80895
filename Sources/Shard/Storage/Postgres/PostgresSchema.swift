import PostgresDriver
import Wire

/// The tables of one shard's partition in PostgreSQL: the same rows as
/// SQLite's `SQLiteSchema`, in PostgreSQL's own types.
///
/// `seq` is a `bigint` identity: the order records were first imported in, so
/// an org-wide delete batch taken in `seq` order from `(org, seq)` is one
/// contiguous range of the table and of its cascade, as in SQLite. Tags are a
/// `text[]`, matched with the array operators `&&` (any) and `@>` (all), which
/// compare byte for byte under the C collation the columns are declared with.
/// Conversations and messages are keyed by (org, contact_seq, id), so a
/// contact's cascade is one index range.
enum PostgresSchema {
    /// Bumped when a statement below changes in a way existing databases need migrating for.
    ///
    /// Versions: 1. the tables as they are; 2. `applications_by_contact`, which a contact's delete
    /// finds its applications by; 3. a slice's state is one `status` column (`SliceStatus`), where
    /// two flags, `finished` and `cancelled`, could contradict each other, and a slice records its
    /// `kind` (`JobKind`), delete for every slice before; 4. the kept tables a restorable delete
    /// moves its contacts and applications into (`PostgresKeptTable`), `kept_totals`, `kept_purges`, and a slice's `permanent`
    /// and `restores` (every older slice kept nothing: permanent, as older job documents read).
    /// `statements` migrate an older database as they run: each `IF NOT EXISTS` adds what it lacks,
    /// the flags are folded into the status (and the kind added) and the restore columns added where
    /// they are missing, and the last statement records the version.
    static let version = 4

    /// Creates the tables of a new database, or checks and migrates an existing one, inside the
    /// caller's transaction. As SQLite's (`SQLiteSchema.prepare`), a database written by a newer
    /// build is refused (`StoreError.newerSchema`) before anything is changed, never misread.
    static func prepare(_ connection: PostgresConnection) throws {
        try connection.execute(createMeta)
        let found = try connection.scalar("SELECT coalesce(max(value::bigint), 0) FROM meta WHERE key = 'schema'")
        guard found <= version else { throw StoreError.newerSchema(path: connection.target, found: found, supported: Int64(version)) }
        try connection.execute(statements)
    }

    private static let createMeta = "CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL);"

    /// A contact's or an application's fields, in its live table and in its kept copy.
    private static let recordFields = """
        org text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        slot integer NOT NULL,
        stage_id text COLLATE "C",
        assigned_to text COLLATE "C",
        name text COLLATE "C" NOT NULL DEFAULT '',
        email text COLLATE "C" NOT NULL DEFAULT '',
        phone text COLLATE "C" NOT NULL DEFAULT '',
        tags text[] COLLATE "C" NOT NULL DEFAULT '{}',
        source text COLLATE "C",
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        version bigint NOT NULL
        """

    private static let recordColumns = recordFields + ", UNIQUE (org, id)"

    private static let conversationFields = """
        org text COLLATE "C" NOT NULL, contact_seq bigint NOT NULL, id text COLLATE "C" NOT NULL,
        channel text NOT NULL DEFAULT '', created_at bigint NOT NULL
        """

    private static let messageFields = """
        org text COLLATE "C" NOT NULL, contact_seq bigint NOT NULL, id text COLLATE "C" NOT NULL,
        conversation_id text NOT NULL, direction text NOT NULL DEFAULT '', body text NOT NULL DEFAULT '', created_at bigint NOT NULL
        """

    static let statements = createMeta + """
        CREATE TABLE IF NOT EXISTS contacts (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \(recordColumns));
        CREATE INDEX IF NOT EXISTS contacts_by_org ON contacts (org, seq);
        CREATE INDEX IF NOT EXISTS contacts_by_stage ON contacts (org, stage_id, seq);
        CREATE INDEX IF NOT EXISTS contacts_by_assignee ON contacts (org, assigned_to);
        CREATE TABLE IF NOT EXISTS applications (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, contact_id text COLLATE "C" NOT NULL, \(recordColumns));
        CREATE INDEX IF NOT EXISTS applications_by_org ON applications (org, seq);
        CREATE INDEX IF NOT EXISTS applications_by_stage ON applications (org, stage_id, seq);
        CREATE INDEX IF NOT EXISTS applications_by_assignee ON applications (org, assigned_to);
        CREATE INDEX IF NOT EXISTS applications_by_contact ON applications (org, contact_id);
        CREATE TABLE IF NOT EXISTS conversations (\(conversationFields), PRIMARY KEY (org, contact_seq, id));
        CREATE TABLE IF NOT EXISTS messages (\(messageFields), PRIMARY KEY (org, contact_seq, id));
        CREATE TABLE IF NOT EXISTS audit_entries (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, org text COLLATE "C" NOT NULL, type text NOT NULL,
            job_id text NOT NULL, actor text NOT NULL, record_id text NOT NULL, snapshot text NOT NULL, created_at bigint NOT NULL);
        CREATE INDEX IF NOT EXISTS audit_entries_by_org ON audit_entries (org, type, seq);
        CREATE TABLE IF NOT EXISTS notifications (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, org text COLLATE "C" NOT NULL, user_id text NOT NULL,
            type text NOT NULL, record_id text NOT NULL, job_id text NOT NULL, created_at bigint NOT NULL);
        CREATE INDEX IF NOT EXISTS notifications_by_user ON notifications (org, user_id, seq);
        CREATE TABLE IF NOT EXISTS delete_slices (
            job_id text PRIMARY KEY, org text NOT NULL, requester text NOT NULL, filter bytea NOT NULL, watermark bigint NOT NULL,
            counters bytea NOT NULL, status smallint NOT NULL DEFAULT 0, created_at bigint NOT NULL,
            kind smallint NOT NULL DEFAULT \(JobKind.delete.rawValue), permanent boolean NOT NULL DEFAULT false, restores text);
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM information_schema.columns
                       WHERE table_schema = current_schema() AND table_name = 'delete_slices' AND column_name = 'finished') THEN
                ALTER TABLE delete_slices ADD COLUMN status smallint NOT NULL DEFAULT 0;
                UPDATE delete_slices SET status = \(SliceStatus.fromFlags(finished: "finished", cancelled: "cancelled"));
                ALTER TABLE delete_slices DROP COLUMN finished, DROP COLUMN cancelled,
                    ADD COLUMN kind smallint NOT NULL DEFAULT \(JobKind.delete.rawValue);
            END IF;
            IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                           WHERE table_schema = current_schema() AND table_name = 'delete_slices' AND column_name = 'permanent') THEN
                ALTER TABLE delete_slices ADD COLUMN permanent boolean NOT NULL DEFAULT true, ADD COLUMN restores text;
                ALTER TABLE delete_slices ALTER COLUMN permanent SET DEFAULT false;
            END IF;
        END $$;
        CREATE TABLE IF NOT EXISTS delete_failures (
            job_id text NOT NULL, record_id text NOT NULL, message text NOT NULL, PRIMARY KEY (job_id, record_id));
        CREATE TABLE IF NOT EXISTS event_outbox (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, org text NOT NULL, type text NOT NULL,
            payload text NOT NULL, created_at bigint NOT NULL);
        \(keptTables)
        UPDATE meta SET value = '\(version)' WHERE key = 'schema' AND value::integer < \(version);
        """

    /// What restorable deletes kept, each table its live table's columns after the `job_id` of the
    /// delete that kept them, keyed so that one job's rows are one range of the key in the order
    /// the delete took them: contacts by their seq, applications by their contact (its id) and
    /// their own id (an application-pipeline delete's alike). No other index: every reader goes by job.
    ///
    /// A kept contact's conversations and messages are not copied: they stay in their tables under
    /// its seq, which no live contact has once it is kept (the identity never hands a seq out
    /// again, and a restore puts the contact back under it). `kept_contacts` counts them for the
    /// restore's counters, and `kept_totals` sums them per org, so that `stats` leaves them out.
    ///
    /// `kept_purges`: the deletes whose kept rows are to go (their window ended), until they have.
    private static let keptTables = """
        CREATE TABLE IF NOT EXISTS kept_contacts (
            job_id text COLLATE "C" NOT NULL, seq bigint NOT NULL, \(recordFields),
            conversations bigint NOT NULL, messages bigint NOT NULL, PRIMARY KEY (job_id, seq));
        CREATE TABLE IF NOT EXISTS kept_applications (
            job_id text COLLATE "C" NOT NULL, seq bigint NOT NULL, contact_id text COLLATE "C" NOT NULL, \(recordFields),
            PRIMARY KEY (job_id, contact_id, id));
        CREATE TABLE IF NOT EXISTS kept_totals (org text COLLATE "C" PRIMARY KEY, conversations bigint NOT NULL, messages bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS kept_purges (job_id text PRIMARY KEY);
        """
}
