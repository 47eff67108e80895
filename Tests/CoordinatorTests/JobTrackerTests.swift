import Testing
import Wire
@testable import Coordinator

@Suite struct JobTrackerTests {
    private func tracker(shards: Int = 2) -> JobTracker {
        var filter = ContactFilter()
        filter.orgWide = true
        return JobTracker.new(
            jobId: "j1", request: DeleteJobRequest(org: "o", requester: "u", filter: filter, filterJSON: "{}"), shardCount: shards, at: 1_000)
    }

    private func progress(shard: UInt32, total: UInt64, deleted: UInt64, skipped: UInt64 = 0, finished: Bool = false, errors: [SliceError] = []) -> SliceProgress {
        var counters = DeleteCounters()
        counters.total = total
        counters.deleted = deleted
        counters.skipped = skipped
        counters.auditEntries = deleted
        return SliceProgress(jobId: "j1", shard: shard, counters: counters, finished: finished, errors: errors)
    }

    @Test func startsQueuedAndRunsAtTheFirstReport() {
        var job = tracker()
        #expect(job.document.status == .queued)
        let changed = job.apply(progress(shard: 0, total: 10, deleted: 0), at: 2_000)
        #expect(changed)
        #expect(job.document.status == .running)
        #expect(job.document.startedAt == 2_000)
        #expect(job.document.counters.total == 10)
    }

    @Test func everyChangeRaisesTheRevisionAndAnIgnoredReportDoesNot() {
        var job = tracker()
        #expect(job.document.revision == 1)
        _ = job.apply(progress(shard: 0, total: 10, deleted: 5), at: 2_000)
        #expect(job.document.revision == 2)
        _ = job.apply(progress(shard: 0, total: 10, deleted: 4), at: 2_100)
        #expect(job.document.revision == 2)
        job.sliceRestarted(0, at: 2_200)
        #expect(job.document.revision == 3)
        _ = job.requestCancel(at: 2_300)
        #expect(job.document.revision == 4)
    }

    @Test func sumsSlicesAndCompletesWhenEverySliceHas() {
        var job = tracker()
        _ = job.apply(progress(shard: 0, total: 10, deleted: 10, finished: true), at: 2_000)
        #expect(job.document.status == .running)
        _ = job.apply(progress(shard: 1, total: 5, deleted: 4, skipped: 1, finished: true), at: 3_000)
        #expect(job.document.status == .completed)
        #expect(job.document.finishedAt == 3_000)
        #expect(job.document.counters.processed == 15)
        #expect(job.document.counters.total == 15)
        #expect(job.document.counters.auditEntries == 14)
        #expect(job.pendingShards.isEmpty)
    }

    @Test func countersNeverGoDownWhenAnOldReportArrivesLate() {
        var job = tracker()
        _ = job.apply(progress(shard: 0, total: 10, deleted: 6), at: 2_000)
        let older = job.apply(progress(shard: 0, total: 10, deleted: 3), at: 2_100)
        #expect(!older)
        #expect(job.document.counters.deleted == 6)
        // The same report again (a resent assignment's answer) leaves the counters as they are.
        _ = job.apply(progress(shard: 0, total: 10, deleted: 6), at: 2_200)
        #expect(job.document.counters.deleted == 6)
    }

    @Test func aSliceThatCannotGoOnFailsTheJobWithItsReason() {
        var job = tracker()
        _ = job.apply(progress(shard: 0, total: 10, deleted: 10, finished: true), at: 2_000)
        _ = job.apply(progress(shard: 1, total: 0, deleted: 0, errors: [SliceError(recordId: "", message: "disk full")]), at: 2_500)
        #expect(job.document.status == .failed)
        #expect(job.document.errors.map(\.message) == ["disk full"])
        #expect(job.isFinished)
    }

    @Test func measuresTheRateOverTheLastFewSeconds() {
        var job = tracker(shards: 1)
        _ = job.apply(progress(shard: 0, total: 10_000, deleted: 0), at: 10_000)
        _ = job.apply(progress(shard: 0, total: 10_000, deleted: 2_000), at: 11_000)
        #expect(job.document.ratePerSecond == 2_000)
        _ = job.apply(progress(shard: 0, total: 10_000, deleted: 3_000), at: 20_000)
        // Only the anchor before the 5 s window is kept: 1,000 records over the last 9 s.
        #expect(job.document.ratePerSecond == 1_000_000.0 / 9_000)
    }

    @Test func aReportAfterTheJobFinishedIsIgnored() {
        var job = tracker(shards: 1)
        _ = job.apply(progress(shard: 0, total: 1, deleted: 1, finished: true), at: 2_000)
        let late = job.apply(progress(shard: 0, total: 1, deleted: 1, finished: true), at: 3_000)
        #expect(!late)
    }

    @Test func countsRestartsPerSliceUntilTheJobFinishes() {
        var job = tracker()
        job.sliceRestarted(1, at: 2_000)
        job.sliceRestarted(1, at: 2_100)
        #expect(job.document.shards.map(\.restarts) == [0, 2])
        _ = job.apply(progress(shard: 0, total: 1, deleted: 1, finished: true), at: 3_000)
        _ = job.apply(progress(shard: 1, total: 1, deleted: 1, finished: true), at: 3_000)
        job.sliceRestarted(1, at: 4_000)
        #expect(job.document.shards[1].restarts == 2)
    }
}
