import Testing
@testable import Coordinator
import Wire

@Suite struct JobLifecycleTests {
    private func slice(_ shard: UInt32, _ status: JobDocument.Status, deleted: UInt64 = 0, total: UInt64 = 0) -> JobDocument.Slice {
        var counters = DeleteCounters()
        counters.total = total
        counters.deleted = deleted
        return JobDocument.Slice(shard: shard, status: status, counters: counters, restarts: 0)
    }

    private func document(_ revision: UInt64, _ status: JobDocument.Status, _ shards: [JobDocument.Slice]) -> JobDocument {
        var counters = DeleteCounters()
        for slice in shards { counters = counters + slice.counters }
        var document = JobDocument(
            jobId: "j1", kind: .delete, org: "o", status: status, counters: counters, shards: shards, errors: [], filterJSON: #"{"stageIds":["s1"]}"#,
            requestedBy: "u1", createdAt: 1_000, startedAt: status == .queued ? nil : 2_000, updatedAt: 4_500,
            finishedAt: status.isFinished ? 4_500 : nil, ratePerSecond: nil)
        document.revision = revision
        return document
    }

    @Test func aJobsLifeIsAFewLinesWithCountsAndNoneForMereProgress() {
        var lifecycle = JobLifecycle()
        #expect(lifecycle.lines(for: document(1, .queued, [slice(0, .queued), slice(1, .queued)])) == [
            "job j1 of org o created by u1: filter {stageIds: 1 value}"
        ])
        #expect(lifecycle.lines(for: document(2, .running, [slice(0, .running, total: 3), slice(1, .queued)])) == [
            "job j1 of org o started on 2 shards"
        ])
        #expect(lifecycle.lines(for: document(3, .running, [slice(0, .running, deleted: 1, total: 3), slice(1, .running, total: 2)])).isEmpty)
        #expect(lifecycle.lines(for: document(4, .running, [slice(0, .completed, deleted: 3, total: 3), slice(1, .running, total: 2)])) == [
            "job j1 of org o: shard 0 completed: 3 of 3 processed: 3 deleted, 0 skipped, 0 failed; cascade: 0 conversations, 0 messages, 0 applications, 0 audit entries, 0 notifications, 0 events"
        ])
        #expect(lifecycle.lines(for: document(5, .completed, [slice(0, .completed, deleted: 3, total: 3), slice(1, .completed, deleted: 2, total: 2)])) == [
            "job j1 of org o: shard 1 completed: 2 of 2 processed: 2 deleted, 0 skipped, 0 failed; cascade: 0 conversations, 0 messages, 0 applications, 0 audit entries, 0 notifications, 0 events",
            "job j1 of org o completed in 2.5 s: 5 of 5 processed: 5 deleted, 0 skipped, 0 failed; cascade: 0 conversations, 0 messages, 0 applications, 0 audit entries, 0 notifications, 0 events",
        ])
        // A late copy of a finished job announces nothing again.
        #expect(lifecycle.lines(for: document(6, .completed, [slice(0, .completed, deleted: 3, total: 3), slice(1, .completed, deleted: 2, total: 2)])).isEmpty)
    }

    /// Who cancelled is `JobRequestLines`' line; the lifecycle says how the job ended, once.
    @Test func aCancelledJobSaysHowItEnded() {
        var lifecycle = JobLifecycle()
        _ = lifecycle.lines(for: document(1, .queued, [slice(0, .queued)]))
        _ = lifecycle.lines(for: document(2, .running, [slice(0, .running, total: 4)]))
        #expect(lifecycle.lines(for: document(3, .cancelling, [slice(0, .running, deleted: 1, total: 4)])).isEmpty)
        #expect(lifecycle.lines(for: document(4, .cancelled, [slice(0, .cancelled, deleted: 1, total: 4)])) == [
            "job j1 of org o: shard 0 cancelled: 1 of 4 processed: 1 deleted, 0 skipped, 0 failed; cascade: 0 conversations, 0 messages, 0 applications, 0 audit entries, 0 notifications, 0 events",
            "job j1 of org o cancelled in 2.5 s: 1 of 4 processed: 1 deleted, 0 skipped, 0 failed; cascade: 0 conversations, 0 messages, 0 applications, 0 audit entries, 0 notifications, 0 events",
        ])
    }

    /// The end line carries every counter: processed, deleted, skipped, failed and the whole cascade.
    @Test func theEndLineCarriesEveryCount() {
        var lifecycle = JobLifecycle()
        var counters = DeleteCounters()
        counters.total = 10
        counters.deleted = 6
        counters.skipped = 2
        counters.failed = 1
        counters.conversations = 3
        counters.messages = 7
        counters.applications = 4
        counters.auditEntries = 10
        counters.notifications = 5
        counters.events = 8
        var failed = document(1, .completedWithErrors, [JobDocument.Slice(shard: 0, status: .completedWithErrors, counters: counters, restarts: 0)])
        failed.org = "org-9"
        #expect(lifecycle.lines(for: failed).last == """
            job j1 of org org-9 completed_with_errors in 2.5 s: 9 of 10 processed: 6 deleted, 2 skipped, 1 failed; cascade: 3 conversations, \
            7 messages, 4 applications, 10 audit entries, 5 notifications, 8 events
            """)
    }

    /// A permanent delete says so when created; a restore names its delete, and counts what it restored.
    @Test func aPermanentDeleteAndARestoreSayWhatTheyAre() {
        var lifecycle = JobLifecycle()
        var permanent = document(1, .queued, [slice(0, .queued)])
        permanent.permanent = true
        #expect(lifecycle.lines(for: permanent) == ["job j1 of org o created by u1: filter {stageIds: 1 value}, permanent"])
        var restore = document(1, .queued, [slice(0, .queued)])
        restore.jobId = "r1"
        restore.kind = .restore
        restore.restores = "j1"
        #expect(lifecycle.lines(for: restore) == ["job r1 of org o created by u1: restores job j1, kept by filter {stageIds: 1 value}"])
        var restored = document(2, .completed, [slice(0, .completed, deleted: 2, total: 2)])
        restored.jobId = "r1"
        restored.kind = .restore
        #expect(lifecycle.lines(for: restored).last?.hasPrefix("job r1 of org o completed in 2.5 s: 2 of 2 processed: 2 restored, 0 skipped") == true)
    }

    /// After a coordinator restart the jobs it reloads are under way: nothing is announced
    /// twice, and how they end still is.
    @Test func aJobFirstSeenMidwayIsNotCreatedOrStartedAgainButItsEndIsLogged() {
        var lifecycle = JobLifecycle()
        #expect(lifecycle.lines(for: document(7, .running, [slice(0, .running, total: 2)])).isEmpty)
        #expect(lifecycle.lines(for: document(8, .completed, [slice(0, .completed, deleted: 2, total: 2)])).count == 2)
    }
}
