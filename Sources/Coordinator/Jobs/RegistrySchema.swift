import SQLiteDriver
import Wire

/// The tables of `DIR/coordinator.db`, the format they are in, and the way
/// up from older formats.
///
/// The format is kept in `meta` and checked on open: a registry written by a
/// newer build is refused with a message that says so, never misread; one
/// written by an older build is migrated in one transaction.
///
/// Formats:
/// 1. Documents and filters wire-encoded with no layout byte; idempotency keys
///    remember the raw body; no snapshot per job. (Before `meta` existed.)
/// 2. Every blob starts with its layout byte (`StoredCodable`); each job has
///    its `watermark`; keys remember the requester and the canonical filter.
enum RegistrySchema {
    static let format: Int64 = 2

    enum OpenError: Error, Equatable, CustomStringConvertible {
        case newerFormat(path: String, found: Int64, supported: Int64)

        var description: String {
            switch self {
            case .newerFormat(let path, let found, let supported):
                "\(path) is in job registry format \(found), written by a newer tether-bulk; this build reads formats up to \(supported): run the newer build"
            }
        }
    }

    private static let tables = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS jobs (
            job_id TEXT PRIMARY KEY,
            org TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            finished INTEGER NOT NULL DEFAULT 0,
            filter BLOB NOT NULL,
            document BLOB NOT NULL,
            watermark INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS jobs_by_org ON jobs (org, created_at);
        CREATE TABLE IF NOT EXISTS idempotency_keys (
            org TEXT NOT NULL,
            key TEXT NOT NULL,
            requester TEXT NOT NULL,
            filter BLOB NOT NULL,
            job_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (org, key)
        );
        """

    /// Creates the tables of a new registry, or checks and migrates an existing one.
    static func open(_ database: SQLiteDatabase, path: String) throws {
        try database.transaction {
            let existing = try database.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'jobs'") > 0
            let hasMeta = try database.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'") > 0
            let found = hasMeta ? try database.scalar("SELECT coalesce(max(value), 1) FROM meta WHERE key = 'format'") : 1
            guard found <= format else { throw OpenError.newerFormat(path: path, found: found, supported: format) }
            if existing && found < 2 { try migrateFromFormat1(database) }
            try database.execute(tables)
            try database.prepare("INSERT INTO meta (key, value) VALUES ('format', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .run([.integer(format)])
        }
    }

    /// Format 1 → 2, inside the caller's transaction.
    private static func migrateFromFormat1(_ database: SQLiteDatabase) throws {
        // Jobs of that time get their creation time in microseconds as their snapshot:
        // above every per-shard version such a cluster handed out, below every
        // version the cluster-wide clock hands out from now on.
        if try database.scalar("SELECT count(*) FROM pragma_table_info('jobs') WHERE name = 'watermark'") == 0 {
            try database.execute("ALTER TABLE jobs ADD COLUMN watermark INTEGER NOT NULL DEFAULT 0; UPDATE jobs SET watermark = created_at * 1000")
        }
        var requesters: [String: String] = [:]
        var filters: [String: ContactFilter] = [:]
        let read = try database.prepare("SELECT job_id, filter, document FROM jobs")
        let rewrite = try database.prepare("UPDATE jobs SET filter = ?, document = ? WHERE job_id = ?")
        while try read.step() {
            let filter = try ContactFilter(bareBytes: read.blob(1))
            let document = try JobDocument(bareBytes: read.blob(2))
            try rewrite.bind(bytes: filter.storedBytes, at: 1)
            try rewrite.bind(bytes: document.storedBytes, at: 2)
            try rewrite.bind(read.text(0), at: 3)
            try rewrite.execute()
            requesters[read.text(0)] = document.requestedBy
            filters[read.text(0)] = filter
        }
        // Format 1's keys compared the raw body; format 2's compare the requester and the canonical filter, taken from their jobs.
        try database.execute("ALTER TABLE idempotency_keys RENAME TO idempotency_keys_format1")
        try database.execute(tables)
        let keys = try database.prepare("SELECT org, key, job_id, created_at FROM idempotency_keys_format1")
        let insert = try database.prepare(
            "INSERT INTO idempotency_keys (org, key, requester, filter, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        while try keys.step() {
            let jobId = keys.text(2)
            guard let requester = requesters[jobId], let filter = filters[jobId] else { continue }  // its job is gone
            try insert.bind(keys.text(0), at: 1)
            try insert.bind(keys.text(1), at: 2)
            try insert.bind(requester, at: 3)
            try insert.bind(bytes: filter.canonical.storedBytes, at: 4)
            try insert.bind(jobId, at: 5)
            try insert.bind(keys.integer(3), at: 6)
            try insert.execute()
        }
        try database.execute("DROP TABLE idempotency_keys_format1")
    }
}
