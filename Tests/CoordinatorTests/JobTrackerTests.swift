import Testing
import Wire
@testable import Coordinator

@Suite struct JobTrackerTests {
    private func tracker(
        shards: Int = 2, kind: JobKind = .delete, permanent: Bool = false, restores: String? = nil, window: RestoreWindow = .standard
    ) -> JobTracker {
        var filter = ContactFilter()
        filter.orgWide = true
        let spec = JobSpec(kind: kind, org: "o", requester: "u", filter: filter, permanent: permanent, restores: restores)
        return JobTracker.new(jobId: "j1", request: JobRequest(spec: spec, filterJSON: "{}"), shardCount: shards, at: 1_000, restoreWindow: window)
    }

    private func progress(
        shard: UInt32, total: UInt64, deleted: UInt64, skipped: UInt64 = 0, failed: UInt64 = 0, outcome: SliceOutcome = .running,
        errors: [SliceError] = []
    ) -> SliceProgress {
        var counters = DeleteCounters()
        counters.total = total
        counters.deleted = deleted
        counters.skipped = skipped
        counters.failed = failed
        counters.auditEntries = deleted
        counters.applications = 2 * deleted
        return SliceProgress(jobId: "j1", shard: shard, counters: counters, outcome: outcome, errors: errors)
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
        _ = job.apply(progress(shard: 0, total: 10, deleted: 10, outcome: .finished), at: 2_000)
        #expect(job.document.status == .running)
        _ = job.apply(progress(shard: 1, total: 5, deleted: 4, skipped: 1, outcome: .finished), at: 3_000)
        #expect(job.document.status == .completed)
        #expect(job.document.finishedAt == 3_000)
        #expect(job.document.counters.processed == 15)
        #expect(job.document.counters.total == 15)
        #expect(job.document.counters.auditEntries == 14)
        #expect(job.document.counters.applications == 28, "the applications deleted with their contacts, on every shard")
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
        _ = job.apply(progress(shard: 0, total: 10, deleted: 10, outcome: .finished), at: 2_000)
        _ = job.apply(progress(shard: 1, total: 0, deleted: 0, outcome: .failed(reason: "disk full")), at: 2_500)
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
        _ = job.apply(progress(shard: 0, total: 1, deleted: 1, outcome: .finished), at: 2_000)
        let late = job.apply(progress(shard: 0, total: 1, deleted: 1, outcome: .finished), at: 3_000)
        #expect(!late)
    }

    @Test func countsRestartsPerSliceUntilTheJobFinishes() {
        var job = tracker()
        job.sliceRestarted(1, at: 2_000)
        job.sliceRestarted(1, at: 2_100)
        #expect(job.document.shards.map(\.restarts) == [0, 2])
        _ = job.apply(progress(shard: 0, total: 1, deleted: 1, outcome: .finished), at: 3_000)
        _ = job.apply(progress(shard: 1, total: 1, deleted: 1, outcome: .finished), at: 3_000)
        job.sliceRestarted(1, at: 4_000)
        #expect(job.document.shards[1].restarts == 2)
    }

    // MARK: - How a job ends

    /// Each slice's last report, then the status the job ends with.
    @Test(arguments: [
        ([SliceOutcome.finished, .finished], false, UInt64(0), JobDocument.Status.completed),
        ([.finished, .finished], false, 2, .completedWithErrors),
        ([.finished, .cancelled], true, 0, .cancelled),
        // Every record deleted before the cancel reached a slice: the cancel came too late.
        ([.finished, .finished], true, 0, .completed),
        ([.finished, .failed(reason: "disk full")], false, 0, .failed),
        ([.cancelled, .failed(reason: "disk full")], true, 0, .cancelled),
    ])
    func theFinalStatusSaysWhatHappened(outcomes: [SliceOutcome], cancelFirst: Bool, failedRecords: UInt64, expected: JobDocument.Status) {
        var job = tracker(shards: outcomes.count)
        if cancelFirst {
            let accepted = job.requestCancel(at: 1_500)
            #expect(accepted)
        }
        for (shard, outcome) in outcomes.enumerated() {
            _ = job.apply(progress(shard: UInt32(shard), total: 10, deleted: 10 - failedRecords, failed: failedRecords, outcome: outcome), at: 2_000)
        }
        #expect(job.document.status == expected)
        #expect(job.document.finishedAt == 2_000)
        // Whatever the status, a restorable delete kept what it did delete: restorable for the window.
        #expect(job.document.restorableUntil == 2_000 + RestoreWindow.standard.milliseconds)
    }

    // MARK: - Restorable deletes and restores

    @Test func aRestorableDeleteIsRestorableForTheWindowFromWhenItFinishedAndNotBefore() {
        var job = tracker(shards: 2, window: RestoreWindow(seconds: 90))
        #expect(!job.document.permanent && job.mayHoldKeptRecords)
        _ = job.apply(progress(shard: 0, total: 1, deleted: 1, outcome: .finished), at: 2_000)
        #expect(job.document.restorableUntil == nil, "still running")
        _ = job.apply(progress(shard: 1, total: 1, deleted: 1, outcome: .finished), at: 3_000)
        #expect(job.document.restorableUntil == Int64(3_000 + 90_000))
    }

    @Test func aPermanentDeleteAndARestoreAreNeverRestorable() {
        var permanent = tracker(shards: 1, permanent: true)
        #expect(permanent.document.permanent && !permanent.mayHoldKeptRecords)
        _ = permanent.apply(progress(shard: 0, total: 1, deleted: 1, outcome: .finished), at: 2_000)
        #expect(permanent.document.restorableUntil == nil)
        var restore = tracker(shards: 1, kind: .restore, restores: "d1")
        #expect(restore.document.restores == "d1")
        #expect(!restore.mayHoldKeptRecords)
        _ = restore.apply(progress(shard: 0, total: 1, deleted: 1, outcome: .finished), at: 2_000)
        #expect(restore.document.restorableUntil == nil)
    }

    @Test func aRestoreStartedAndAPurgeAreChangesOfTheDocument() {
        var job = tracker(shards: 1)
        _ = job.apply(progress(shard: 0, total: 1, deleted: 1, outcome: .finished), at: 2_000)
        let revision = job.document.revision
        job.restoreStarted(by: "r1", at: 3_000)
        #expect(job.document.restoredBy == "r1" && job.document.revision == revision + 1 && job.document.updatedAt == 3_000)
        job.purged(at: 4_000)
        #expect(job.document.purged && job.document.revision == revision + 2)
        #expect(!job.mayHoldKeptRecords)
        job.purged(at: 5_000)
        #expect(job.document.revision == revision + 2, "purged once")
    }

    @Test func recordsFailedOneByOneAreCountedAndListed() {
        var job = tracker(shards: 1)
        let error = SliceError(recordId: "aaaaaaaaaaaaaaaaaaaaaaa1", message: "injected")
        _ = job.apply(progress(shard: 0, total: 10, deleted: 4, failed: 1, errors: [error]), at: 2_000)
        #expect(job.document.counters.failed == 1)
        #expect(job.document.counters.processed == 5)
        #expect(job.document.errors == [error])
        _ = job.apply(progress(shard: 0, total: 10, deleted: 9, failed: 1, outcome: .finished), at: 3_000)
        #expect(job.document.status == .completedWithErrors)
    }

    @Test func theTotalIsStillCountingUntilEverySliceHasCountedItsMatches() {
        var job = tracker()
        #expect(!job.document.totalKnown)
        _ = job.apply(progress(shard: 0, total: 10, deleted: 10, outcome: .finished), at: 2_000)
        #expect(!job.document.totalKnown)
        _ = job.apply(progress(shard: 1, total: 30, deleted: 0), at: 2_100)
        #expect(job.document.totalKnown)
        #expect(job.document.counters.total == 40)
    }

    @Test func countersSaturateInsteadOfTrapping() {
        var counters = DeleteCounters()
        counters.total = 5
        counters.deleted = 7
        #expect(counters.remaining == 0)
        counters.deleted = .max
        counters.skipped = 1
        #expect(counters.processed == .max)
        #expect((counters + counters).deleted == .max)
    }
}
