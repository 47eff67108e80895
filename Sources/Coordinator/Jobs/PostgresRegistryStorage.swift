import PostgresDriver
import Wire
import WireRuntime

/// The job registry in a PostgreSQL database (`tether_registry` on the cluster's
/// server), so that a coordinator started on any host picks up every job.
///
/// Jobs keep their registration order in an identity column; the version clock
/// and the format are rows of `meta`. A connection that broke is made again at
/// the next call.
///
/// One coordinator per registry: its session holds the registry's advisory lock
/// (`PostgresFence`), a second coordinator is refused with the first's name
/// (`RegistryInUse`), and every write proves the lock in its transaction, so a
/// coordinator whose session died while another took over writes nothing. The
/// registry records its cluster's id (`ClusterIdentity`) and refuses another's.
final class PostgresRegistryStorage: RegistryStorage {
    private let connection: PostgresConnection
    private let fence = PostgresFence(key: PostgresFence.registryKey, guarded: "the cluster's registry")
    /// True inside `transaction`, whose statements its own proof covers.
    private var inTransaction = false

    /// How long an opening coordinator waits for the registry's lock (and the event log's) before it refuses to start:
    /// the session of a coordinator that just stopped (a restart) lets go of it a moment after
    /// its process is gone, and a second coordinator holds it for as long as it runs.
    static let lockPatience: Duration = .seconds(3)

    /// Bumped when a table below changes in a way existing registries need migrating for.
    static let format: Int64 = 1

    private static let tables = """
        CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS cluster (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE IF NOT EXISTS jobs (
            registered bigint GENERATED ALWAYS AS IDENTITY,
            job_id text PRIMARY KEY,
            org text NOT NULL,
            created_at bigint NOT NULL,
            finished boolean NOT NULL DEFAULT false,
            filter bytea NOT NULL,
            document bytea NOT NULL,
            watermark bigint NOT NULL);
        CREATE INDEX IF NOT EXISTS jobs_by_registration ON jobs (registered);
        CREATE TABLE IF NOT EXISTS idempotency_keys (
            org text NOT NULL,
            key text NOT NULL,
            requester text NOT NULL,
            filter bytea NOT NULL,
            job_id text NOT NULL,
            created_at bigint NOT NULL,
            PRIMARY KEY (org, key));
        """

    /// Opens the registry at `connectionString` for the coordinator `holder` describes (its pid,
    /// host and data directory, which a second coordinator's refusal names) of `cluster`.
    init(connectionString: String, cluster: ClusterIdentity, holder: String) throws {
        let connection = try PostgresConnection(connectionString, sessionSetup: PostgresWriterSession.setup)
        guard try fence.take(on: connection, waitingUpTo: Self.lockPatience) else {
            throw RegistryInUse(registry: connection.target, holder: Self.holder(on: connection))
        }
        try connection.transaction {
            try connection.execute(Self.tables)
            try cluster.claim(table: "cluster", on: connection)
            try connection.query(
                "INSERT INTO cluster (key, value) VALUES ('coordinator', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [.text(holder)])
            let found = try connection.scalar("SELECT coalesce(max(value), \(Self.format)) FROM meta WHERE key = 'format'")
            guard found <= Self.format else {
                throw RegistrySchema.OpenError.newerFormat(path: connection.target, found: found, supported: Self.format)
            }
            try connection.query("INSERT INTO meta (key, value) VALUES ('format', $1) ON CONFLICT (key) DO NOTHING", [.integer(Self.format)])
        }
        self.connection = connection
    }

    /// Who holds the registry's lock, as they recorded it when they took it.
    static func holder(on connection: PostgresConnection) -> String {
        let recorded = try? connection.query("SELECT value FROM cluster WHERE key = 'coordinator'")
        return recorded.flatMap { $0.count == 1 ? $0.text(0, 0) : nil } ?? "a coordinator that did not say who it is"
    }

    /// Runs `body` on the connection, first making it again (with the lock) when it broke.
    private func connected<T>(_ body: () throws -> T) throws -> T {
        try fence.connected(connection, body)
    }

    /// Runs the write `body` in a transaction that first proves the registry's lock; inside
    /// `transaction`, the proof that opened it covers it.
    private func writing<T>(_ body: () throws -> T) throws -> T {
        if inTransaction { return try body() }
        return try transaction(body)
    }

    /// The partition map's text, as `PartitionMapFile` writes it; nil for a new cluster.
    func partitionMap() throws -> String? {
        let rows = try connected { try connection.query("SELECT value FROM cluster WHERE key = 'partition_map'") }
        return rows.count == 1 ? rows.text(0, 0) : nil
    }

    /// Keeps a new cluster's partition map; one recorded meanwhile by another coordinator wins.
    func recordPartitionMap(_ text: String) throws {
        try writing {
            try connection.query("INSERT INTO cluster (key, value) VALUES ('partition_map', $1) ON CONFLICT (key) DO NOTHING", [.text(text)])
        }
    }

    func jobs() throws -> [StoredJob] {
        let rows = try connected {
            try connection.query("SELECT job_id, filter, document, watermark FROM jobs ORDER BY registered")
        }
        return try (0..<rows.count).map { row in
            StoredJob(
                jobId: rows.text(row, 0), filter: try ContactFilter(storedBytes: rows.bytes(row, 1)),
                document: try JobDocument(storedBytes: rows.bytes(row, 2)), watermark: rows.integer(row, 3))
        }
    }

    func lastVersion() throws -> Int64 {
        try connected { try connection.scalar("SELECT coalesce(max(value), 0) FROM meta WHERE key = 'version'") }
    }

    func saveVersion(_ version: Int64) throws {
        try writing {
            try connection.query(
                "INSERT INTO meta (key, value) VALUES ('version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [.integer(version)])
        }
    }

    func key(org: String, key: String, since: Int64) throws -> StoredKey? {
        let rows = try connected {
            try connection.query(
                "SELECT requester, filter, job_id FROM idempotency_keys WHERE org = $1 AND key = $2 AND created_at >= $3",
                [.text(org), .text(key), .integer(since)])
        }
        guard rows.count == 1 else { return nil }
        return StoredKey(requester: rows.text(0, 0), filter: rows.bytes(0, 1), jobId: rows.text(0, 2))
    }

    func insert(_ job: StoredJob, org: String, createdAt: Int64, key: (name: String, value: StoredKey)?) throws {
        try writing {
            try connection.query(
                "INSERT INTO jobs (job_id, org, created_at, filter, document, watermark) VALUES ($1, $2, $3, $4, $5, $6)",
                [.text(job.jobId), .text(org), .integer(createdAt), .bytes(job.filter.storedBytes), .bytes(job.document.storedBytes), .integer(job.watermark)])
            guard let key else { return }
            try connection.query("""
                INSERT INTO idempotency_keys (org, key, requester, filter, job_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (org, key) DO UPDATE SET requester = excluded.requester, filter = excluded.filter,
                    job_id = excluded.job_id, created_at = excluded.created_at
                """, [.text(org), .text(key.name), .text(key.value.requester), .bytes(key.value.filter), .text(key.value.jobId), .integer(createdAt)])
        }
    }

    func save(_ document: JobDocument, finished: Bool) throws {
        try writing {
            try connection.query(
                "UPDATE jobs SET document = $1, finished = $2 WHERE job_id = $3",
                [.bytes(document.storedBytes), .text(finished ? "t" : "f"), .text(document.jobId)])
        }
    }

    func saveFilter(_ filter: ContactFilter, jobId: String) throws {
        try writing {
            try connection.query("UPDATE jobs SET filter = $1 WHERE job_id = $2", [.bytes(filter.storedBytes), .text(jobId)])
        }
    }

    func forget(_ jobIds: [String], keysBefore: Int64) throws {
        try writing {
            try connection.query("DELETE FROM jobs WHERE job_id = ANY($1::text[])", [.texts(jobIds)])
            try connection.query("DELETE FROM idempotency_keys WHERE created_at < $1", [.integer(keysBefore)])
        }
    }

    func transaction<T>(_ body: () throws -> T) throws -> T {
        try connected {
            try fence.write(on: connection) {
                inTransaction = true
                defer { inTransaction = false }
                return try body()
            }
        }
    }
}
