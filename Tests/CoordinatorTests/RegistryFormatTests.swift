import Foundation
import SQLiteDriver
import Testing
import Wire
@testable import Coordinator

/// A job registry written by an earlier build opens, migrated; one written by a newer build is refused.
@Suite struct RegistryFormatTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("registry-format-\(UUID().uuidString).db").path

    /// A job and its filter as format 1 stored them (wire-encoded, no layout
    /// byte), recorded from that build: job "j" of org "acme", requested by
    /// "u1", completed with errors, 6 deleted.
    static let format1Job = "000000016a0000000461636d65040000000000000009000000000000000600000000000000020000000000000001000000000000000c000000000000003c0000000000000006000000000000000400000000000000060000000100000000030000000000000009000000000000000600000000000000020000000000000001000000000000000c000000000000003c000000000000000600000000000000040000000000000006000000020000000100000018616161616161616161616161616161616161616161616131000000066c6f636b6564000000027b7d00000002753100000000000000010100000000000000020000000000000003000140a06900000000000000000000000001"
    static let format1Filter = "0200000000020000000273310000000273320300000006757365722d37010000000000000001000001fffffffffffffffe000000010000000161000000020000000162000000016301000000077765626368617401000000000100000003616461"

    /// A registry as the build before format 2 left it: one job with an Idempotency-Key.
    private func writeFormat1Registry(keyCreatedAt: Int64) throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute("""
            CREATE TABLE jobs (
                job_id TEXT PRIMARY KEY, org TEXT NOT NULL, created_at INTEGER NOT NULL,
                finished INTEGER NOT NULL DEFAULT 0, filter BLOB NOT NULL, document BLOB NOT NULL);
            CREATE INDEX jobs_by_org ON jobs (org, created_at);
            CREATE TABLE idempotency_keys (
                org TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, job_id TEXT NOT NULL, created_at INTEGER NOT NULL,
                PRIMARY KEY (org, key));
            """)
        let insert = try database.prepare("INSERT INTO jobs (job_id, org, created_at, finished, filter, document) VALUES ('j', 'acme', 1, 1, ?, ?)")
        try insert.bind(bytes: Self.bytes(Self.format1Filter), at: 1)
        try insert.bind(bytes: Self.bytes(Self.format1Job), at: 2)
        try insert.execute()
        try database.prepare("INSERT INTO idempotency_keys VALUES ('acme', 'k1', '{\"raw\":\"body\"}', 'j', ?)").run([.integer(keyCreatedAt)])
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)  // our own constant
            index = next
        }
        return bytes
    }

    /// A new restorable delete's stored document as layout 4 stored it: layout 5 ends with the
    /// restore fields (`permanent` false, three absent optionals, `purged` false: 5 zero bytes).
    static func layout4(_ document: JobDocument) -> [UInt8] {
        var bytes = document.storedBytes
        #expect(bytes.suffix(5).allSatisfy { $0 == 0 })
        bytes.removeLast(5)
        bytes[0] = 4
        return bytes
    }

    /// `job` as a build before restores reads it: a delete that kept nothing.
    static func permanent(_ job: JobDocument) -> JobDocument {
        var job = job
        job.permanent = true
        return job
    }

    private func request(requester: String) throws -> JobRequest {
        JobRequest(
            spec: JobSpec(kind: .delete, org: "acme", requester: requester, filter: try ContactFilter(bareBytes: Self.bytes(Self.format1Filter))),
            filterJSON: "{}", idempotencyKey: "k1")
    }

    @Test func aFormat1RegistryOpensWithItsJobsSnapshotsAndKeys() async throws {
        try writeFormat1Registry(keyCreatedAt: Int64(Date().timeIntervalSince1970 * 1000))
        let registry = try JobRegistry(path: path, shardCount: 1)
        let job = try #require(await registry.document(org: "acme", jobId: "j"))
        #expect(job.status == .completedWithErrors)
        #expect(job.requestedBy == "u1")
        #expect(job.counters.deleted == 6)
        // Its snapshot: its creation time in microseconds, below anything the clock hands out now.
        #expect(await registry.watermark(of: "j") == 1_000)
        #expect(try await registry.nextVersion() > 1_000)
        // Migrated, the key compares the requester and the filter as parsed, taken from its job.
        #expect(try await registry.register(try request(requester: "u1")) == .replayed(job))
        await #expect(throws: RemoteFailure.self) { try await registry.register(try request(requester: "u2")) }

        let database = try SQLiteDatabase(path: path)
        #expect(try database.scalar("SELECT value FROM meta WHERE key = 'format'") == RegistrySchema.format)
        // Opened again: nothing left to migrate, the same job.
        let reopened = try JobRegistry(path: path, shardCount: 1)
        #expect(await reopened.document(org: "acme", jobId: "j") == job)
    }

    /// Job documents saved by the build before jobs listed their ignored keys and counted the
    /// applications deleted with their contacts (layout 2) open on both engines, listing none and
    /// counting none, the rest unchanged.
    @Test(arguments: StoreLocation.Engine.allCases)
    func aJobSavedBeforeIgnoredKeysAndApplicationsOpensListingAndCountingNone(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        var filter = ContactFilter()
        filter.orgWide = true
        let job = try await location.registry().create(
            JobRequest(
                spec: JobSpec(kind: .delete, org: "o", requester: "u", filter: filter), filterJSON: "{}", requestsPerSecond: 250,
                ignoredKeys: ["note"]))
        var unlisted = job
        unlisted.ignoredKeys = []
        unlisted.shards = []  // one set of counters to take `applications` out of: the job's own
        // Layout 4 is layout 3 plus the trailing kind (1 byte); layout 3 is layout 2 plus the counters'
        // trailing `applications` (8 bytes) and the document's trailing list of ignored keys (4 bytes: none).
        var layout2 = Self.layout4(unlisted)
        let countersEnd = 1 + (4 + job.jobId.utf8.count) + (4 + job.org.utf8.count) + 1 + 10 * 8
        #expect(layout2[(countersEnd - 8)..<countersEnd].allSatisfy { $0 == 0 })
        #expect(layout2.suffix(5).elementsEqual([0, 0, 0, 0, JobKind.delete.rawValue]))
        layout2.removeSubrange((countersEnd - 8)..<countersEnd)
        layout2.removeLast(5)
        layout2[0] = 2
        try location.storeDocument(layout2, of: job.jobId)
        let reopened = try location.registry()
        #expect(await reopened.document(org: "o", jobId: job.jobId) == Self.permanent(unlisted))
    }

    /// Job documents saved by the build before jobs had a kind (layout 3) open on both engines as
    /// deletes, the only kind there was, and are dispatched as such.
    @Test(arguments: StoreLocation.Engine.allCases)
    func aJobSavedBeforeKindsOpensAsADelete(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        var filter = ContactFilter()
        filter.stageIds = ["s1"]
        let job = try await location.registry().create(
            JobRequest(spec: JobSpec(kind: .delete, org: "o", requester: "u", filter: filter), filterJSON: "{}", ignoredKeys: ["note"]))
        // Layout 4 is layout 3 plus the trailing kind (1 byte).
        var layout3 = Self.layout4(job)
        #expect(layout3.last == JobKind.delete.rawValue)
        layout3.removeLast()
        layout3[0] = 3
        try location.storeDocument(layout3, of: job.jobId)
        let reopened = try location.registry()
        let document = try #require(await reopened.document(org: "o", jobId: job.jobId))
        #expect(document.kind == .delete && document == Self.permanent(job))
        let work = await reopened.pendingWork()
        #expect(work.map { $0.assignment.spec } == [JobSpec(kind: .delete, org: "o", requester: "u", filter: filter, permanent: true)])
    }

    /// Job documents saved by the build before restores (layout 4) open on both engines as
    /// permanent deletes, as they kept nothing: dispatched so, never restorable, never purged, and
    /// forgotten by the retention as before.
    @Test(arguments: StoreLocation.Engine.allCases)
    func aJobSavedBeforeRestoresOpensAsAPermanentDelete(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        var filter = ContactFilter()
        filter.stageIds = ["s1"]
        let (running, finished): (JobDocument, JobDocument)
        do {  // the first coordinator is gone before the next opens the registry
            let registry = try location.registry()
            running = try await registry.create(JobRequest(spec: JobSpec(kind: .delete, org: "o", requester: "u", filter: filter), filterJSON: "{}"))
            let done = try await registry.create(JobRequest(spec: JobSpec(kind: .delete, org: "o", requester: "u", filter: filter), filterJSON: "{}"))
            try await registry.apply(SliceProgress(jobId: done.jobId, shard: 0, counters: DeleteCounters(), outcome: .finished))
            var stored = try #require(await registry.document(org: "o", jobId: done.jobId))
            stored.restorableUntil = nil  // as the build before restores finished it
            finished = stored
        }
        try location.storeDocument(Self.layout4(running), of: running.jobId)
        try location.storeDocument(Self.layout4(finished), of: finished.jobId)
        let reopened = try location.registry()
        #expect(await reopened.document(org: "o", jobId: running.jobId) == Self.permanent(running))
        #expect(await reopened.pendingWork().map { $0.assignment.spec.permanent } == [true])
        let restore = JobRequest(spec: JobSpec(kind: .restore, org: "o", requester: "u", filter: ContactFilter(), restores: finished.jobId), filterJSON: "")
        await #expect(throws: RemoteFailure.self) { try await reopened.register(restore) }
        #expect(await reopened.startPurges(now: .max).isEmpty)
        #expect(try await reopened.sweep(now: try #require(finished.finishedAt) + JobRegistry.retentionMilliseconds + 1) == 1)
    }

    @Test func aRegistryOfANewerFormatIsRefusedSayingSo() throws {
        _ = try JobRegistry(path: path, shardCount: 1)
        let database = try SQLiteDatabase(path: path)
        try database.execute("UPDATE meta SET value = 3 WHERE key = 'format'")
        #expect(throws: RegistrySchema.OpenError.newerFormat(path: path, found: 3, supported: RegistrySchema.format)) {
            _ = try JobRegistry(path: path, shardCount: 1)
        }
    }
}
