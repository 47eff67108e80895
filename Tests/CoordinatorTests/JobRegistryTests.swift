import Foundation
import SQLiteDriver
import Testing
import Wire
@testable import Coordinator

extension JobRegistry {
    /// Registers `request`, which must make a new job.
    func create(_ request: JobRequest) throws -> JobDocument {
        guard case .created(let document) = try register(request) else { throw RemoteFailure(.internal, "replayed, not created") }
        return document
    }
}

/// The registry against a real SQLite file and a real PostgreSQL database: durable across
/// reopening, swept after the retention.
@Suite struct JobRegistryTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString).db").path

    private func request(_ key: String? = nil, stages: [String]? = nil, requester: String = "u", kind: JobKind = .delete) -> JobRequest {
        var filter = ContactFilter()
        if let stages { filter.stageIds = stages } else { filter.orgWide = true }
        return JobRequest(spec: JobSpec(kind: kind, org: "o", requester: requester, filter: filter), filterJSON: "{}", idempotencyKey: key)
    }

    private func finish(_ registry: JobRegistry, _ jobId: String) async throws {
        try await registry.apply(SliceProgress(jobId: jobId, shard: 0, counters: DeleteCounters(), outcome: .finished))
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func aRegisteredJobIsReadableAfterReopeningAndStillPending(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        // The first coordinator is gone before the next opens the registry (on PostgreSQL it holds its lock).
        let job = try await location.registry().create(request())
        let reopened = try location.registry()
        #expect(await reopened.document(org: "o", jobId: job.jobId)?.status == .queued)
        #expect(await reopened.document(org: "other", jobId: job.jobId) == nil)
        #expect(await reopened.pendingWork().map(\.assignment.jobId) == [job.jobId])
    }

    /// Every shard gets the job as it was asked for (its kind, org, requester and filter), also from a
    /// registry reopened, which keeps the spec in the job's document and filter rather than twice.
    @Test(arguments: StoreLocation.Engine.allCases)
    func aJobIsAssignedAsTheSpecItWasRequestedWithAcrossReopening(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let requested = request(stages: ["s2", "s1"], requester: "u7")
        let job = try await location.registry().create(requested)
        #expect(job.kind == requested.kind)
        let reopened = try location.registry()
        #expect(await reopened.pendingWork().map { $0.assignment.spec } == [requested.spec])
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func theKeysARequestIgnoredAreKeptWithItsJobAcrossReopening(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        var listed = request()
        listed.ignoredKeys = ["note", "sort"]
        let job = try await location.registry().create(listed)
        #expect(job.ignoredKeys == ["note", "sort"])
        let reopened = try location.registry()
        #expect(await reopened.document(org: "o", jobId: job.jobId)?.ignoredKeys == ["note", "sort"])
        #expect(await reopened.list(JobListQuery(org: "o", limit: 10)).documents.map(\.ignoredKeys) == [["note", "sort"]])
    }

    /// What `scripts/cluster status` lists: every org's unfinished jobs, newest first, and no finished one.
    @Test func unfinishedJobsOfEveryOrgComeNewestFirst() async throws {
        let registry = try StoreLocation(.sqlite).registry()
        let first = try await registry.create(request())
        var other = request()
        other.org = "p"
        let second = try await registry.create(other)
        let done = try await registry.create(request())
        try await finish(registry, done.jobId)
        #expect(await registry.unfinished(limit: 10).documents.map(\.jobId) == [second.jobId, first.jobId])
        let cut = await registry.unfinished(limit: 1)
        #expect(cut.documents.map(\.jobId) == [second.jobId] && cut.next != nil)
    }

    @Test func aReportLineSaysWhereAJobStands() {
        var counters = DeleteCounters()
        counters.total = 200
        counters.deleted = 50
        let slices = [
            JobDocument.Slice(shard: 0, status: .completed, counters: counters, restarts: 0),
            JobDocument.Slice(shard: 1, status: .running, counters: counters, restarts: 0),
        ]
        let job = JobDocument(
            jobId: "j1", kind: .delete, org: "o", status: .running, counters: counters, shards: slices, errors: [], filterJSON: "{}", requestedBy: "u",
            createdAt: 1, startedAt: 2, updatedAt: 3, finishedAt: nil, ratePerSecond: 1_234.5)
        #expect(JobReport.line(job) == "job j1 of o: running, 50 of 200 processed (25%), 1234/s; 1 of 2 shards done")
        var counting = job
        counting.shards[1].status = .queued
        counting.ratePerSecond = nil
        #expect(JobReport.line(counting) == "job j1 of o: running, 50 of ? processed; 1 of 2 shards done")
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func sweepsFinishedJobsOnlyOnceTheyFinishedLongerAgoThanTheRetention(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let finished: JobDocument
        do {  // the first coordinator is gone before the next opens the registry
            let registry = try location.registry()
            finished = try await registry.create(request())
            let running = try await registry.create(request())
            try await finish(registry, finished.jobId)
            // Counted from when it finished, not from when it was created.
            let now = try #require(await registry.document(org: "o", jobId: finished.jobId)?.finishedAt)
            #expect(try await registry.sweep(now: now + JobRegistry.retentionMilliseconds - 1) == 0)
            #expect(try await registry.sweep(now: now + JobRegistry.retentionMilliseconds + 1) == 1)
            #expect(await registry.document(org: "o", jobId: finished.jobId) == nil)
            #expect(await registry.document(org: "o", jobId: running.jobId) != nil)
            #expect(await registry.list(JobListQuery(org: "o", limit: 10)).documents.map(\.jobId) == [running.jobId])
        }
        let reopened = try location.registry()
        #expect(await reopened.document(org: "o", jobId: finished.jobId) == nil)
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func refusesAFifthRunningJobOfOneOrg(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let registry = try location.registry()
        for _ in 0..<JobRegistry.maxRunningPerOrg { _ = try await registry.create(request()) }
        await #expect(throws: RemoteFailure.self) { try await registry.create(request()) }
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func replaysTheSameKeyFilterAndRequesterAndComparesFiltersAsParsed(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let registry = try location.registry()
        let job = try await registry.create(request("k", stages: ["s1", "s2"]))
        // The same stages in another order, one repeated: the same filter.
        #expect(try await registry.register(request("k", stages: ["s2", "s1", "s2"])) == .replayed(job))
        #expect(try await registry.replay(of: request("other", stages: ["s1", "s2"])) == nil)
        // Once the job finished, the key still replays it, and makes nothing new.
        try await finish(registry, job.jobId)
        guard case .replayed(let finished) = try await registry.register(request("k", stages: ["s1", "s2"])) else {
            Issue.record("a finished job's key made a new job")
            return
        }
        #expect(finished.jobId == job.jobId)
        #expect(await registry.list(JobListQuery(org: "o", limit: 10)).documents.count == 1)
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func refusesTheKeyWithAnotherFilterOrFromAnotherRequesterSayingWhich(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let registry = try location.registry()
        let job = try await registry.create(request("k", stages: ["s1"]))
        let otherFilter = await #expect(throws: RemoteFailure.self) { try await registry.register(request("k", stages: ["s9"])) }
        #expect(otherFilter?.kind == .conflict)
        #expect(otherFilter?.message.contains("with another filter") == true)
        #expect(otherFilter?.message.contains(job.jobId) == true)
        let otherUser = await #expect(throws: RemoteFailure.self) { try await registry.register(request("k", stages: ["s1"], requester: "u2")) }
        #expect(otherUser?.message.contains("another user of your organization") == true)
        // Neither made a job.
        #expect(await registry.list(JobListQuery(org: "o", limit: 10)).documents.map(\.jobId) == [job.jobId])
    }

    /// A key names one job, kind and all: sent again for another kind of job (with the same org,
    /// requester and filter), it is refused as a different filter is, and makes nothing new. Every
    /// pair of kinds is tried, so each kind added is checked against the others.
    @Test(arguments: StoreLocation.Engine.allCases)
    func refusesTheKeyForAnotherKindOfJobAsForAnotherFilter(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let registry = try location.registry()
        for earlier in JobKind.allCases {
            for later in JobKind.allCases {
                let key = "k-\(earlier)-\(later)"
                let job = try await registry.create(request(key, stages: ["s1"], kind: earlier))
                if earlier == later {
                    #expect(try await registry.register(request(key, stages: ["s1"], kind: later)) == .replayed(job))
                } else {
                    let otherKind = await #expect(throws: RemoteFailure.self) {
                        try await registry.register(request(key, stages: ["s1"], kind: later))
                    }
                    #expect(otherKind?.kind == .conflict)
                    #expect(otherKind?.message.contains("\(job.jobId), a bulk \(earlier)") == true)
                }
                try await finish(registry, job.jobId)
            }
        }
        let jobs = await registry.list(JobListQuery(org: "o", limit: 100)).documents
        #expect(jobs.count == JobKind.allCases.count * JobKind.allCases.count, "a refused key made no job")
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func concurrentRetriesWithOneKeyMakeOneJob(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let registry = try location.registry()
        let outcomes = try await withThrowingTaskGroup(of: JobRegistry.Registration.self) { group in
            for _ in 0..<8 { group.addTask { try await registry.register(self.request("k", stages: ["s1"])) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let created = outcomes.filter { if case .created = $0 { true } else { false } }
        #expect(created.count == 1)
        #expect(Set(outcomes.map { switch $0 { case .created(let job), .replayed(let job): job.jobId } }).count == 1)
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func aKeyIsKeptAcrossARestart(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let job = try await location.registry().create(request("k", stages: ["s1"]))
        let reopened = try location.registry()
        #expect(try await reopened.register(request("k", stages: ["s1"])) == .replayed(job))
    }

    // MARK: - Snapshots

    @Test(arguments: StoreLocation.Engine.allCases)
    func aJobsSnapshotIsFixedAtRegistrationBetweenTheImportsBeforeAndAfterIt(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let watermark: Int64
        do {  // the first coordinator is gone before the next opens the registry
            let registry = try location.registry()
            let before = try await registry.nextVersion()
            let job = try await registry.create(request())
            let after = try await registry.nextVersion()
            watermark = try #require(await registry.watermark(of: job.jobId))
            #expect(before < watermark && watermark < after)
            #expect(await registry.pendingWork().first?.assignment.watermark == watermark)
        }
        // Given to a shard later, or again after a restart: always the same snapshot.
        let reopened = try location.registry()
        #expect(await reopened.pendingWork().first?.assignment.watermark == watermark)
    }

    @Test func versionsNeverGoBackAcrossARestartEvenWhenTheClockDoes() async throws {
        let first = try JobRegistry(path: path, shardCount: 1)
        _ = try await first.nextVersion()
        // A version an hour ahead of the wall clock, as a clock set back by an hour would leave.
        let ahead = Int64(Date().timeIntervalSince1970 * 1_000_000) + 3_600_000_000
        let database = try SQLiteDatabase(path: path)
        try database.prepare("UPDATE meta SET value = ? WHERE key = 'version'").run([.integer(ahead)])
        let reopened = try JobRegistry(path: path, shardCount: 1)
        #expect(try await reopened.nextVersion() == ahead + 1)
        #expect(try await reopened.nextVersion() == ahead + 2)
    }

    @Test(arguments: [
        (last: Int64(0), now: Int64(1_000), expected: Int64(1_000)),
        (last: 1_000, now: 1_000, expected: 1_001),
        (last: 5_000, now: 1_000, expected: 5_001),
    ])
    func theVersionClockIsStrictlyIncreasing(last: Int64, now: Int64, expected: Int64) {
        var clock = VersionClock(last: last)
        #expect(clock.next(atMicroseconds: now) == expected)
        #expect(clock.last == expected)
    }
}
