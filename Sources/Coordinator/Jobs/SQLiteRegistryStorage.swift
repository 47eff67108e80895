import SQLiteDriver
import Wire

/// The job registry in `DIR/coordinator.db` (`RegistrySchema` owns its tables and format).
final class SQLiteRegistryStorage: RegistryStorage {
    private let database: SQLiteDatabase
    private let saveDocument: SQLiteStatement
    private let saveClock: SQLiteStatement

    init(path: String) throws {
        let database = try CoordinatorStores.openSQLite(path: path)
        try RegistrySchema.open(database, path: path)
        saveDocument = try database.prepare("UPDATE jobs SET document = ?, finished = ? WHERE job_id = ?")
        saveClock = try database.prepare("INSERT INTO meta (key, value) VALUES ('version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        self.database = database
    }

    func jobs() throws -> [StoredJob] {
        let read = try database.prepare("SELECT job_id, filter, document, watermark FROM jobs ORDER BY rowid")
        var jobs: [StoredJob] = []
        while try read.step() {
            jobs.append(StoredJob(
                jobId: read.text(0), filter: try ContactFilter(storedBytes: read.blob(1)), document: try JobDocument(storedBytes: read.blob(2)),
                watermark: read.integer(3)))
        }
        return jobs
    }

    func lastVersion() throws -> Int64 {
        try database.scalar("SELECT coalesce(max(value), 0) FROM meta WHERE key = 'version'")
    }

    func saveVersion(_ version: Int64) throws {
        try saveClock.run([.integer(version)])
    }

    func key(org: String, key: String, since: Int64) throws -> StoredKey? {
        let read = try database.prepare("SELECT requester, filter, job_id FROM idempotency_keys WHERE org = ? AND key = ? AND created_at >= ?")
        try read.bind([.text(org), .text(key), .integer(since)])
        guard try read.step() else { return nil }
        return StoredKey(requester: read.text(0), filter: read.blob(1), jobId: read.text(2))
    }

    func insert(_ job: StoredJob, org: String, createdAt: Int64, key: (name: String, value: StoredKey)?) throws {
        let insert = try database.prepare(
            "INSERT INTO jobs (job_id, org, created_at, finished, filter, document, watermark) VALUES (?, ?, ?, 0, ?, ?, ?)")
        try insert.bind(job.jobId, at: 1)
        try insert.bind(org, at: 2)
        try insert.bind(createdAt, at: 3)
        try insert.bind(bytes: job.filter.storedBytes, at: 4)
        try insert.bind(bytes: job.document.storedBytes, at: 5)
        try insert.bind(job.watermark, at: 6)
        try insert.execute()
        guard let key else { return }
        let remember = try database.prepare(
            "INSERT OR REPLACE INTO idempotency_keys (org, key, requester, filter, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        try remember.bind(org, at: 1)
        try remember.bind(key.name, at: 2)
        try remember.bind(key.value.requester, at: 3)
        try remember.bind(bytes: key.value.filter, at: 4)
        try remember.bind(key.value.jobId, at: 5)
        try remember.bind(createdAt, at: 6)
        try remember.execute()
    }

    func save(_ document: JobDocument, finished: Bool) throws {
        try saveDocument.bind(bytes: document.storedBytes, at: 1)
        try saveDocument.bind(finished ? 1 : 0, at: 2)
        try saveDocument.bind(document.jobId, at: 3)
        try saveDocument.execute()
    }

    func saveFilter(_ filter: ContactFilter, jobId: String) throws {
        let update = try database.prepare("UPDATE jobs SET filter = ? WHERE job_id = ?")
        try update.bind(bytes: filter.storedBytes, at: 1)
        try update.bind(jobId, at: 2)
        try update.execute()
    }

    func forget(_ jobIds: [String], keysBefore: Int64) throws {
        let forget = try database.prepare("DELETE FROM jobs WHERE job_id = ?")
        for jobId in jobIds { try forget.run([.text(jobId)]) }
        try database.prepare("DELETE FROM idempotency_keys WHERE created_at < ?").run([.integer(keysBefore)])
    }

    func transaction<T>(_ body: () throws -> T) throws -> T {
        try database.transaction(body)
    }
}
