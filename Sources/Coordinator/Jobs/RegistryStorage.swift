import Wire

/// A job as the registry keeps it.
struct StoredJob {
    let jobId: String
    let filter: ContactFilter
    let document: JobDocument
    let watermark: Int64

    /// What the job is, from its document and its filter: a spec is not stored twice.
    var spec: JobSpec {
        JobSpec(
            kind: document.kind, org: document.org, requester: document.requestedBy, filter: filter, permanent: document.permanent,
            restores: document.restores)
    }
}

/// An Idempotency-Key as the registry remembers it: who sent it, with which filter, for which job.
struct StoredKey: Equatable {
    let requester: String
    /// The canonical filter's stored bytes; a permanent delete's SHA-256 of them (`PermanentDeleteRedaction.keyFilter`).
    let filter: [UInt8]
    let jobId: String
}

/// Where the job registry keeps its jobs, keys and version clock: a SQLite file
/// (`SQLiteRegistryStorage`) or a PostgreSQL database (`PostgresRegistryStorage`).
/// The registry's rules live in `JobRegistry`; this is only its rows.
protocol RegistryStorage {
    /// Every job, in the order they were registered.
    func jobs() throws -> [StoredJob]
    /// The highest version handed out so far (0 for a new registry).
    func lastVersion() throws -> Int64
    /// Records `version` as handed out, durably.
    func saveVersion(_ version: Int64) throws
    /// The key `key` of `org` if it was given at or after `since`.
    func key(org: String, key: String, since: Int64) throws -> StoredKey?
    /// Adds a job, and the key it came with (replacing an older one of the same name).
    func insert(_ job: StoredJob, org: String, createdAt: Int64, key: (name: String, value: StoredKey)?) throws
    /// Rewrites a job's document.
    func save(_ document: JobDocument, finished: Bool) throws
    /// Rewrites a job's filter (a finished permanent delete's, without its search term).
    func saveFilter(_ filter: ContactFilter, jobId: String) throws
    /// Forgets the jobs `jobIds`, and every key given before `keysBefore`.
    func forget(_ jobIds: [String], keysBefore: Int64) throws
    /// Runs `body` in one transaction.
    func transaction<T>(_ body: () throws -> T) throws -> T
}
