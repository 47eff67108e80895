import Synchronization
import TestSupport
import Testing
import Wire
import WireRuntime
@testable import Coordinator

/// The purge schedule against a real registry and stand-in shards: no sockets, and time given as
/// an input or moved on a `ManualClock`.
@Suite struct PurgeScheduleTests {
    /// Shards that record every purge asked of them and fail while they are listed as down.
    final class Shards: Sendable {
        private let state = Mutex<(asked: [Int], down: Set<Int>)>(([], []))

        var asked: [Int] { state.withLock { $0.asked.sorted() } }
        func take(down: Set<Int>) { state.withLock { $0 = ([], down) } }

        func purge(_ shard: Int, _ jobId: String) throws -> Bool {
            try state.withLock { state in
                state.asked.append(shard)
                if state.down.contains(shard) { throw RemoteFailure(.unavailable, "shard \(shard) is down (being restarted); retry shortly") }
                return true
            }
        }
    }

    private let log = Log(process: "purge-schedule-test", minimumLevel: .error)

    /// A restorable delete of org o, finished: its document as saved.
    private func finishedDelete(_ registry: JobRegistry) async throws -> JobDocument {
        var filter = ContactFilter()
        filter.orgWide = true
        guard case .created(let job) = try await registry.register(JobRequest(spec: JobSpec(kind: .delete, org: "o", requester: "u", filter: filter), filterJSON: "{}"))
        else { throw RemoteFailure(.internal, "replayed, not created") }
        try await registry.apply(SliceProgress(jobId: job.jobId, shard: 0, counters: DeleteCounters(), outcome: .finished))
        return try #require(await registry.document(org: "o", jobId: job.jobId))
    }

    private func schedule(_ registry: JobRegistry, _ shards: Shards, clock: any ProcessClock = ManualClock()) -> PurgeSchedule {
        PurgeSchedule(registry: registry, shardCount: 3, clock: clock, log: log) { shard, jobId in try shards.purge(shard, jobId) }
    }

    @Test func asksEveryShardOnceTheWindowEndedAndMarksThePurgeOnceAllAnswered() async throws {
        let registry = try StoreLocation(.sqlite).registry(restoreWindow: RestoreWindow(seconds: 60))
        let delete = try await finishedDelete(registry)
        let until = try #require(delete.restorableUntil)
        let shards = Shards()
        let purges = schedule(registry, shards)
        #expect(await purges.round(now: until - 1).isEmpty)
        #expect(shards.asked.isEmpty, "not before the window ended")
        #expect(await purges.round(now: until) == [delete.jobId])
        #expect(shards.asked == [0, 1, 2])
        #expect(await registry.document(org: "o", jobId: delete.jobId)?.purged == true)
        shards.take(down: [])
        #expect(await purges.round(now: until + 1_000).isEmpty)
        #expect(shards.asked.isEmpty, "purged once")
    }

    /// A shard that failed is asked again at the next round, and only it: the others recorded the
    /// purge already. Until it answers, the delete is not purged.
    @Test func aShardThatFailedIsAskedAgainAloneUntilItAnswers() async throws {
        let registry = try StoreLocation(.sqlite).registry(restoreWindow: RestoreWindow(seconds: 60))
        let delete = try await finishedDelete(registry)
        let until = try #require(delete.restorableUntil)
        let shards = Shards()
        let purges = schedule(registry, shards)
        shards.take(down: [1])
        #expect(await purges.round(now: until).isEmpty)
        #expect(shards.asked == [0, 1, 2])
        shards.take(down: [1])
        #expect(await purges.round(now: until + 1_000).isEmpty)
        #expect(shards.asked == [1])
        #expect(await registry.document(org: "o", jobId: delete.jobId)?.purged == false)
        shards.take(down: [])
        #expect(await purges.round(now: until + 2_000) == [delete.jobId])
        #expect(shards.asked == [1])
        #expect(await registry.document(org: "o", jobId: delete.jobId)?.purged == true)
    }

    @Test func waitsForARestoreOfTheDeleteToFinish() async throws {
        let registry = try StoreLocation(.sqlite).registry(restoreWindow: RestoreWindow(seconds: 60))
        let delete = try await finishedDelete(registry)
        let restore = try await registry.register(
            JobRequest(spec: JobSpec(kind: .restore, org: "o", requester: "u", filter: ContactFilter(), restores: delete.jobId), filterJSON: ""))
        guard case .created(let restoring) = restore else { throw RemoteFailure(.internal, "replayed, not created") }
        let shards = Shards()
        let purges = schedule(registry, shards)
        let until = try #require(delete.restorableUntil)
        #expect(await purges.round(now: until).isEmpty)
        #expect(shards.asked.isEmpty)
        try await registry.apply(SliceProgress(jobId: restoring.jobId, shard: 0, counters: DeleteCounters(), outcome: .cancelled))
        #expect(await purges.round(now: until) == [delete.jobId], "a cancelled restore leaves what it did not put back to the purge")
    }

    /// Run as a service: a round at once, then one every `interval` on its clock, so a window of
    /// a few seconds ends in a purge about a second later.
    @Test func runsARoundEveryIntervalOnItsClock() async throws {
        let registry = try StoreLocation(.sqlite).registry(restoreWindow: RestoreWindow(seconds: 2))
        let delete = try await finishedDelete(registry)
        let until = try #require(delete.restorableUntil)
        let clock = ManualClock()
        let start = clock.now
        let shards = Shards()
        let purges = schedule(registry, shards, clock: clock)
        // The wall clock 1 ms before the window ends, moving with the manual clock.
        let wallClock: @Sendable () -> Int64 = { until - 1 + Int64((clock.now - start) / .milliseconds(1)) }
        let service = Task { await purges.run(wallClock: wallClock) }
        defer { service.cancel() }
        try await waitUntil { clock.sleepers == 1 }
        #expect(shards.asked.isEmpty)
        clock.advance(by: PurgeSchedule.interval)
        try await waitUntil { await registry.document(org: "o", jobId: delete.jobId)?.purged == true }
        #expect(shards.asked == [0, 1, 2])
    }
}
