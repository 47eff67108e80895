import Foundation
import Testing
import Wire
@testable import Coordinator

/// The registry against a real SQLite file: durable across reopening, swept after the retention.
@Suite struct JobRegistryTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString).db").path

    private func request(_ key: String? = nil, body: String = "{}") -> DeleteJobRequest {
        var filter = ContactFilter()
        filter.orgWide = true
        return DeleteJobRequest(org: "o", requester: "u", filter: filter, filterJSON: body, idempotencyKey: key)
    }

    private func finish(_ registry: JobRegistry, _ jobId: String) async throws {
        try await registry.apply(SliceProgress(jobId: jobId, shard: 0, counters: DeleteCounters(), outcome: .finished))
    }

    @Test func aRegisteredJobIsReadableAfterReopeningAndStillPending() async throws {
        let first = try JobRegistry(path: path, shardCount: 1)
        let job = try await first.create(request())
        let reopened = try JobRegistry(path: path, shardCount: 1)
        #expect(await reopened.document(org: "o", jobId: job.jobId)?.status == .queued)
        #expect(await reopened.document(org: "other", jobId: job.jobId) == nil)
        #expect(await reopened.pendingWork().map(\.assignment.jobId) == [job.jobId])
    }

    @Test func sweepsFinishedJobsOnlyOnceTheyFinishedLongerAgoThanTheRetention() async throws {
        let registry = try JobRegistry(path: path, shardCount: 1)
        let finished = try await registry.create(request())
        let running = try await registry.create(request())
        try await finish(registry, finished.jobId)
        // Counted from when it finished, not from when it was created.
        let now = try #require(await registry.document(org: "o", jobId: finished.jobId)?.finishedAt)
        #expect(try await registry.sweep(now: now + JobRegistry.retentionMilliseconds - 1) == 0)
        #expect(try await registry.sweep(now: now + JobRegistry.retentionMilliseconds + 1) == 1)
        #expect(await registry.document(org: "o", jobId: finished.jobId) == nil)
        #expect(await registry.document(org: "o", jobId: running.jobId) != nil)
        #expect(await registry.list(org: "o", limit: 10).map(\.jobId) == [running.jobId])
        let reopened = try JobRegistry(path: path, shardCount: 1)
        #expect(await reopened.document(org: "o", jobId: finished.jobId) == nil)
    }

    @Test func refusesAFifthRunningJobOfOneOrg() async throws {
        let registry = try JobRegistry(path: path, shardCount: 1)
        for _ in 0..<JobRegistry.maxRunningPerOrg { _ = try await registry.create(request()) }
        await #expect(throws: RemoteFailure.self) { try await registry.create(request()) }
    }

    @Test func replaysAnIdempotentRequestAndRefusesTheKeyWithAnotherBody() async throws {
        let registry = try JobRegistry(path: path, shardCount: 1)
        let job = try await registry.create(request("k", body: #"{"orgWide":true}"#))
        #expect(try await registry.replay(of: request("k", body: #"{"orgWide":true}"#))?.jobId == job.jobId)
        #expect(try await registry.replay(of: request("other", body: #"{"orgWide":true}"#)) == nil)
        await #expect(throws: RemoteFailure.self) { try await registry.replay(of: request("k", body: #"{"stageIds":["x"]}"#)) }
    }

    // MARK: - Snapshots

    @Test func aJobsSnapshotIsFixedAtRegistrationBetweenTheImportsBeforeAndAfterIt() async throws {
        let registry = try JobRegistry(path: path, shardCount: 1)
        let before = try await registry.nextVersion()
        let job = try await registry.create(request())
        let after = try await registry.nextVersion()
        let watermark = try #require(await registry.watermark(of: job.jobId))
        #expect(before < watermark && watermark < after)
        #expect(await registry.pendingWork().first?.assignment.watermark == watermark)
        // Given to a shard later, or again after a restart: always the same snapshot.
        let reopened = try JobRegistry(path: path, shardCount: 1)
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
