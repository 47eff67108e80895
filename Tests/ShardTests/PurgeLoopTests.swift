import TestSupport
import Testing
import Wire
import WireRuntime
@testable import Shard

/// The shard's purge loop over a real SQLite file, on a clock the test moves: it takes up a
/// request left from before its start, goes in steps with a pause between them, counts what it
/// purged for `/metrics`, and wakes for a request that arrives later.
@Suite struct PurgeLoopTests {
    private let scratch: ScratchDirectory
    private let log = Log(process: "purge-test", minimumLevel: .error)

    init() throws {
        scratch = try ScratchDirectory("purge")
    }

    /// Deletes, restorably, the contacts of "o1" in `stage`, as job `jobId`.
    private static func delete(_ jobId: String, stage: String, in store: SQLiteShardStore) async throws {
        var filter = ContactFilter()
        filter.stageIds = [stage]
        var progress = try await store.startSlice(SliceAssignment(jobId: jobId, org: "o1", requester: "admin", filter: filter))
        while !progress.outcome.isFinal { progress = try await store.runNextBatch(jobId, limit: 500) }
    }

    @Test func theLoopPurgesARequestFromBeforeItsStartInStepsThenWakesForTheNext() async throws {
        let store = try SQLiteShardStore(path: "\(scratch.path)/purge.db", index: 0, slots: SlotRange(lower: 0, upper: PartitionMap.slotCount))
        let contacts = (0..<(4 * PurgeLoop.stepSize)).map { sliceContact($0, stage: $0 < 3 * PurgeLoop.stepSize ? "old" : "later", assignee: nil) }
        _ = try await store.importRecords(org: "o1", contacts)
        try await Self.delete("j-old", stage: "old", in: store)
        try await store.requestPurge("j-old")  // as if asked before a restart
        let metrics = ShardMetrics()
        func purged() -> Double? { metrics.metrics.snapshot().first { $0.name == ShardMetrics.purgedRecords }?.samples.first?.value }
        let kept = { try await store.scalar("SELECT count(*) FROM kept_contacts") }
        #expect(purged() == 0, "shown from the first scrape")

        let clock = ManualClock()
        let loop = PurgeLoop(store: store, metrics: metrics, clock: clock, log: log)
        let running = Task { await loop.run() }
        defer { running.cancel() }
        // One step, then a pause before the next: a job batch queued meanwhile goes between.
        for step in 1...3 {
            try await waitUntil { clock.sleepers == 1 }
            #expect(try await kept() == Int64((3 - step) * PurgeLoop.stepSize), "step \(step)")
            #expect(purged() == Double(step * PurgeLoop.stepSize))
            clock.advance(by: PurgeLoop.shortestPause)
        }
        // The last step found nothing: the request is done, and the loop waits to be woken.
        try await waitUntil { (try? await store.scalar("SELECT count(*) FROM kept_purges")) == 0 }
        #expect(clock.sleepers == 0)

        try await Self.delete("j-later", stage: "later", in: store)
        try await store.requestPurge("j-later")
        loop.wake()
        try await waitUntil { clock.sleepers == 1 }
        #expect(try await kept() == 0)
        #expect(purged() == Double(4 * PurgeLoop.stepSize))
    }
}
