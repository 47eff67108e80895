import Foundation
import PostgresDriver
import SQLiteDriver
import Synchronization
import Testing
import Wire

@testable import Coordinator

/// A permanent delete keeps nothing personal in the registry: its search term is shown redacted
/// from registration on (so its progress events carry none), its stored filter holds it only
/// while it runs, and its Idempotency-Key remembers a digest; a restorable one keeps its filter.
@Suite struct PermanentDeleteRedactionTests {
    private static let email = "ann@x.io"

    /// A delete of the org looking for `email`, as the gateway renders its filter.
    private func request(key: String? = nil, stages: [String] = ["s1", "s2"], permanent: Bool) -> JobRequest {
        var filter = ContactFilter()
        filter.stageIds = stages
        filter.search = Self.email
        let json = #"{"pipelineType":"Contact","stageIds":["s1","s2"],"advancedParams":{"search":"ann@x.io"}}"#
        return JobRequest(
            spec: JobSpec(kind: .delete, org: "o", requester: "u", filter: filter, permanent: permanent), filterJSON: json,
            idempotencyKey: key)
    }

    private func finish(_ registry: JobRegistry, _ jobId: String) async throws {
        try await registry.apply(SliceProgress(jobId: jobId, shard: 0, counters: DeleteCounters(), outcome: .finished))
    }

    /// Every blob the registry stores: jobs' filters and documents, keys' filters.
    private func storedBlobs(_ location: StoreLocation) throws -> [[UInt8]] {
        let queries = ["SELECT filter FROM jobs", "SELECT document FROM jobs", "SELECT filter FROM idempotency_keys"]
        switch location.engine {
        case .sqlite:
            let database = try SQLiteDatabase(path: location.place)
            return try queries.flatMap { sql in
                let read = try database.prepare(sql)
                var blobs: [[UInt8]] = []
                while try read.step() { blobs.append(read.blob(0)) }
                return blobs
            }
        case .postgres:
            let connection = try PostgresConnection(location.place)
            return try queries.flatMap { sql in
                let rows = try connection.query(sql)
                return (0..<rows.count).map { rows.bytes($0, 0) }
            }
        }
    }

    /// Whether a blob holds the email (ASCII, so decoding the rest of a blob leaves it intact).
    private func holdsEmail(_ blobs: [[UInt8]]) -> Bool {
        blobs.contains { String(decoding: $0, as: UTF8.self).contains(Self.email) }
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func aPermanentDeleteShowsItsSearchRedactedAndKeepsItOnlyWhileItRuns(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let heard = Mutex<[JobDocument]>([])
        let hear: @Sendable (JobDocument) -> Void = { document in heard.withLock { $0.append(document) } }
        var registry: JobRegistry? =
            switch engine {
            case .sqlite: try JobRegistry(path: location.place, shardCount: 1, onChange: hear)
            case .postgres: try JobRegistry(storage: location.postgresRegistry(), shardCount: 1, onChange: hear)
            }
        let job = try #require(try await registry?.create(request(key: "k1", permanent: true)))
        let redactedJSON = #"{"pipelineType":"Contact","stageIds":["s1","s2"],"advancedParams":{"search":"(redacted)"}}"#
        #expect(job.filterJSON == redactedJSON)
        // The shards get the real filter, also from a registry reopened while the job runs.
        #expect(await registry?.pendingWork().first?.assignment.filter.search == Self.email)
        registry = nil
        registry = try location.registry()
        #expect(await registry?.pendingWork().first?.assignment.filter.search == Self.email)
        #expect(await registry?.document(org: "o", jobId: job.jobId)?.filterJSON == redactedJSON)

        try await finish(try #require(registry), job.jobId)
        #expect(!holdsEmail(try storedBlobs(location)), "nothing the registry stores holds the search term once the job finished")
        #expect(heard.withLock { $0 }.allSatisfy { $0.filterJSON == redactedJSON })
        // The key's digest still tells a retry (the same filter, listed in another order) from another filter.
        let reopened = try #require(registry)
        let finished = try #require(await reopened.document(org: "o", jobId: job.jobId))
        #expect(try await reopened.register(request(key: "k1", stages: ["s2", "s1"], permanent: true)) == .replayed(finished))
        await #expect(throws: RemoteFailure.self) { try await reopened.register(request(key: "k1", stages: ["s3"], permanent: true)) }
    }

    /// A restore window of 0 makes the delete permanent, and so redacted, though the request did not ask.
    @Test func aDeleteMadePermanentByTheWindowIsRedactedToo() async throws {
        let registry = try StoreLocation(.sqlite).registry(restoreWindow: RestoreWindow(seconds: 0))
        let job = try await registry.create(request(permanent: false))
        #expect(job.permanent && !job.filterJSON.contains(Self.email))
    }

    /// A restorable delete shows and keeps its filter: it keeps the records themselves until the purge.
    @Test func aRestorableDeleteKeepsItsFilter() async throws {
        let location = try StoreLocation(.sqlite)
        let registry = try location.registry()
        let job = try await registry.create(request(key: "k1", permanent: false))
        try await finish(registry, job.jobId)
        #expect(await registry.document(org: "o", jobId: job.jobId)?.filterJSON.contains(Self.email) == true)
        #expect(holdsEmail(try storedBlobs(location)))
    }

    /// A finished permanent delete that an older build stored with its search term loses it when the registry opens.
    @Test func aFinishedPermanentDeleteStoredWithItsSearchTermLosesItOnOpening() async throws {
        let location = try StoreLocation(.sqlite)
        let registry = try location.registry()
        let request = request(permanent: true)
        let job = try await registry.create(request)
        try await finish(registry, job.jobId)
        let update = try SQLiteDatabase(path: location.place).prepare("UPDATE jobs SET filter = ? WHERE job_id = ?")
        try update.bind(bytes: request.filter.storedBytes, at: 1)
        try update.bind(job.jobId, at: 2)
        try update.execute()
        #expect(holdsEmail(try storedBlobs(location)))

        _ = try location.registry()
        #expect(!holdsEmail(try storedBlobs(location)))
    }
}
