#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Wire

/// Every job the coordinator knows, kept in `DIR/coordinator.db` so a job is
/// durable before the gateway answers 202 and readable after restarts.
///
/// Runs on its own thread (a `ThreadExecutor`), like a shard's store. Each
/// change rewrites the job's row (the document, wire-encoded) in one statement.
actor JobRegistry {
    private let executor = ThreadExecutor(name: "job-registry")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let database: SQLiteDatabase
    private let shardCount: Int
    private var jobs: [String: JobTracker] = [:]
    private var filters: [String: ContactFilter] = [:]
    private let save: SQLiteStatement

    /// Finished jobs stay readable at least this long, then are swept.
    static let retentionMilliseconds: Int64 = 24 * 3600 * 1000

    init(path: String, shardCount: Int) throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=1000")
        try database.execute("""
            CREATE TABLE IF NOT EXISTS jobs (
                job_id TEXT PRIMARY KEY,
                org TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                finished INTEGER NOT NULL DEFAULT 0,
                filter BLOB NOT NULL,
                document BLOB NOT NULL
            );
            CREATE INDEX IF NOT EXISTS jobs_by_org ON jobs (org, created_at);
            """)
        save = try database.prepare("UPDATE jobs SET document = ?, finished = ? WHERE job_id = ?")
        let now = Int64(time(nil)) * 1000
        try database.prepare("DELETE FROM jobs WHERE finished = 1 AND created_at < ?").run([.integer(now - Self.retentionMilliseconds)])
        let read = try database.prepare("SELECT job_id, filter, document FROM jobs")
        while try read.step() {
            var filterReader = WireReader(read.blob(1))
            var documentReader = WireReader(read.blob(2))
            jobs[read.text(0)] = JobTracker(document: try documentReader.read())
            filters[read.text(0)] = try filterReader.read()
        }
        self.database = database
        self.shardCount = shardCount
    }

    /// Registers a job durably and returns its first document.
    func create(_ request: DeleteJobRequest) throws -> JobDocument {
        let jobId = UUID().uuidString.lowercased()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let tracker = JobTracker.new(jobId: jobId, request: request, shardCount: shardCount, at: now)
        let insert = try database.prepare("INSERT INTO jobs (job_id, org, created_at, finished, filter, document) VALUES (?, ?, ?, 0, ?, ?)")
        try insert.bind(jobId, at: 1)
        try insert.bind(request.org, at: 2)
        try insert.bind(now, at: 3)
        try insert.bind(bytes: Self.encode(request.filter), at: 4)
        try insert.bind(bytes: Self.encode(tracker.document), at: 5)
        try insert.execute()
        jobs[jobId] = tracker
        filters[jobId] = request.filter
        return tracker.document
    }

    /// Applies a shard's report and saves the job when it changed.
    func apply(_ progress: SliceProgress) throws {
        guard var tracker = jobs[progress.jobId] else { return }
        guard tracker.apply(progress, at: Int64(Date().timeIntervalSince1970 * 1000)) else { return }
        jobs[progress.jobId] = tracker
        try save.bind(bytes: Self.encode(tracker.document), at: 1)
        try save.bind(tracker.isFinished ? 1 : 0, at: 2)
        try save.bind(progress.jobId, at: 3)
        try save.execute()
    }

    /// The job `jobId` if it belongs to `org` (another org's job is as good as absent).
    func document(org: String, jobId: String) -> JobDocument? {
        guard let document = jobs[jobId]?.document, document.org == org else { return nil }
        return document
    }

    /// What each unfinished job still needs: its assignment and the shards whose slices are pending.
    func pendingWork() -> [(assignment: SliceAssignment, shards: [Int])] {
        jobs.values.filter { !$0.isFinished }.compactMap { tracker in
            let document = tracker.document
            guard let filter = filters[document.jobId] else { return nil }
            return (SliceAssignment(jobId: document.jobId, org: document.org, requester: document.requestedBy, filter: filter), tracker.pendingShards)
        }
    }

    private static func encode(_ value: some WireCodable) -> [UInt8] {
        var writer = WireWriter()
        writer.write(value)
        return writer.bytes
    }
}
