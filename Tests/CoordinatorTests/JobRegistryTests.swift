import Foundation
import SQLiteDriver
import Synchronization
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

    private func request(_ key: String? = nil, stages: [String]? = nil, requester: String = "u", permanent: Bool = false) -> JobRequest {
        var filter = ContactFilter()
        if let stages { filter.stageIds = stages } else { filter.orgWide = true }
        return JobRequest(
            spec: JobSpec(kind: .delete, org: "o", requester: requester, filter: filter, permanent: permanent), filterJSON: "{}", idempotencyKey: key)
    }

    /// A restore of `deleteId` as the gateway asks for one: no filter of its own.
    private func restore(_ deleteId: String, org: String = "o", key: String? = nil) -> JobRequest {
        JobRequest(spec: JobSpec(kind: .restore, org: org, requester: "u", filter: ContactFilter(), restores: deleteId), filterJSON: "", idempotencyKey: key)
    }

    /// A delete of stage s1 that has finished (restorable unless `permanent`), as saved.
    private func finishedDelete(_ registry: JobRegistry, permanent: Bool = false) async throws -> JobDocument {
        var delete = request(stages: ["s1"], permanent: permanent)
        delete.filterJSON = #"{"stageIds":["s1"]}"#
        let job = try await registry.create(delete)
        try await finish(registry, job.jobId)
        return try #require(await registry.document(org: "o", jobId: job.jobId))
    }

    /// What registering `request` at `now` was refused with; nil when it was not.
    private func refusal(_ registry: JobRegistry, _ request: JobRequest, at now: Int64 = JobRegistry.now()) async -> RemoteFailure? {
        do {
            _ = try await registry.register(request, at: now)
            return nil
        } catch {
            return error as? RemoteFailure
        }
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
            // Permanent: a restorable delete stays until it is purged (aRestorableDeleteOutlivesTheRetention…).
            finished = try await registry.create(request(permanent: true))
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

    /// A key names one job, kind and all: sent again for another kind of job (with the same org
    /// and requester), it is refused as a different filter is, and makes nothing new. Every pair
    /// of kinds is tried, so each kind added is checked against the others.
    @Test(arguments: StoreLocation.Engine.allCases)
    func refusesTheKeyForAnotherKindOfJobAsForAnotherFilter(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let registry = try location.registry()
        var created = 0
        for earlier in JobKind.allCases {
            for later in JobKind.allCases {
                let key = "k-\(earlier)-\(later)"
                let job: JobDocument
                switch earlier {
                case .delete: job = try await registry.create(request(key, stages: ["s1"]))
                case .restore:
                    job = try await registry.create(restore(try await finishedDelete(registry).jobId, key: key))
                    created += 1
                }
                created += 1
                // A restore names a delete: the one restored, or the delete the key made.
                let again = later == .restore ? restore(job.restores ?? job.jobId, key: key) : request(key, stages: ["s1"])
                if earlier == later {
                    #expect(try await registry.register(again) == .replayed(job))
                } else {
                    let otherKind = await #expect(throws: RemoteFailure.self) { try await registry.register(again) }
                    #expect(otherKind?.kind == .conflict)
                    #expect(otherKind?.message.contains("\(job.jobId), a bulk \(earlier)") == true)
                }
                try await finish(registry, job.jobId)
            }
        }
        let jobs = await registry.list(JobListQuery(org: "o", limit: 100)).documents
        #expect(jobs.count == created, "a refused key made no job")
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

    // MARK: - Restorable deletes and restores

    @Test(arguments: StoreLocation.Engine.allCases)
    func aRestorableDeleteIsRestorableForTheWindowFromWhenItFinishedAcrossReopening(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let delete = try await finishedDelete(try location.registry(restoreWindow: RestoreWindow(seconds: 90)))
        let finishedAt = try #require(delete.finishedAt)
        #expect(!delete.permanent && delete.restorableUntil == finishedAt + 90_000)
        let reopened = try location.registry(restoreWindow: RestoreWindow(seconds: 5))
        #expect(await reopened.document(org: "o", jobId: delete.jobId)?.restorableUntil == finishedAt + 90_000, "fixed when it finished")
    }

    /// `--restore-window 0`: nothing is kept, so every delete is registered permanent, as its
    /// shards are told, and finishes with nothing to restore.
    @Test(arguments: StoreLocation.Engine.allCases)
    func aWindowOfZeroMakesEveryDeletePermanent(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let registry = try location.registry(restoreWindow: RestoreWindow(seconds: 0))
        let job = try await registry.create(request())
        #expect(job.permanent)
        #expect(await registry.pendingWork().map(\.assignment.spec.permanent) == [true])
        try await finish(registry, job.jobId)
        let finished = try #require(await registry.document(org: "o", jobId: job.jobId))
        #expect(finished.restorableUntil == nil)
        #expect(await refusal(registry, restore(job.jobId))?.kind == .gone)
    }

    /// The restore takes its delete's filter (which pipeline was kept) and a snapshot of its own,
    /// and its delete is marked restored in the same step: both saved, and both announced.
    @Test(arguments: StoreLocation.Engine.allCases)
    func aRestoreTakesItsDeletesFilterAndMarksItRestoredDurably(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let (delete, restored): (JobDocument, JobDocument)
        let deleteWatermark: Int64
        do {  // the first coordinator is gone before the next opens the registry
            let registry = try location.registry()
            delete = try await finishedDelete(registry)
            deleteWatermark = try #require(await registry.watermark(of: delete.jobId))
            var asked = restore(delete.jobId)
            asked.permanent = true  // meaningless for a restore: only a delete keeps nothing
            restored = try await registry.create(asked)
            #expect(restored.kind == .restore && restored.restores == delete.jobId && !restored.permanent)
            #expect(await registry.pendingWork().map(\.assignment.spec.permanent) == [false], "as after a restart")
            #expect(restored.filterJSON == #"{"stageIds":["s1"]}"#, "the job shows what its delete matched")
            #expect(await registry.document(org: "o", jobId: delete.jobId)?.restoredBy == restored.jobId)
        }
        let reopened = try location.registry()
        let saved = try #require(await reopened.document(org: "o", jobId: delete.jobId))
        #expect(saved.restoredBy == restored.jobId && saved.revision == delete.revision + 1)
        let assignment = try #require(await reopened.pendingWork().map(\.assignment).first { $0.jobId == restored.jobId })
        #expect(assignment.spec == JobSpec(kind: .restore, org: "o", requester: "u", filter: request(stages: ["s1"]).filter, restores: delete.jobId))
        #expect(assignment.watermark > deleteWatermark, "what it puts back counts as written at the restore")
    }

    @Test func theGatewaysHearOfTheDeleteRestoredAsOfTheRestore() async throws {
        let heard = Mutex<[JobDocument]>([])
        let registry = try JobRegistry(path: path, shardCount: 1) { document in heard.withLock { $0.append(document) } }
        let delete = try await finishedDelete(registry)
        let restored = try await registry.create(restore(delete.jobId))
        let last = heard.withLock { Array($0.suffix(2)) }
        #expect(last.map(\.jobId).sorted() == [delete.jobId, restored.jobId].sorted())
        #expect(last.first { $0.jobId == delete.jobId }?.restoredBy == restored.jobId)
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func aRestoreOfAJobTheOrgDoesNotHaveIsNotFound(engine: StoreLocation.Engine) async throws {
        let registry = try StoreLocation(engine).registry()
        let delete = try await finishedDelete(registry)
        for request in [restore("no-such-job"), restore(delete.jobId, org: "other")] {
            let refused = await refusal(registry, request)
            #expect(refused?.kind == .notFound)
            #expect(refused?.message.contains("check the job id") == true, "\(String(describing: refused))")
        }
        #expect(await registry.document(org: "o", jobId: delete.jobId)?.restoredBy == nil)
    }

    /// 409: not a delete, a delete that has not finished, a delete a restore was registered for;
    /// each says what to do, and none makes a job or marks the delete.
    @Test(arguments: StoreLocation.Engine.allCases)
    func aRestoreConflictsWithAJobThatIsNotAFinishedDeleteNotRestoredYet(engine: StoreLocation.Engine) async throws {
        let registry = try StoreLocation(engine).registry()
        let running = try await registry.create(request())
        let stillRunning = await refusal(registry, restore(running.jobId))
        #expect(stillRunning?.kind == .conflict)
        #expect(stillRunning?.message.contains("is still queued: a delete can be restored once it has finished") == true)
        _ = try await registry.cancel(org: "o", jobId: running.jobId)
        #expect(await refusal(registry, restore(running.jobId))?.message.contains("is still cancelling") == true)

        let delete = try await finishedDelete(registry)
        let restored = try await registry.create(restore(delete.jobId))
        let again = await refusal(registry, restore(delete.jobId))
        #expect(again?.kind == .conflict)
        #expect(again?.message.contains("was already restored by job \(restored.jobId)") == true)
        try await finish(registry, restored.jobId)
        #expect(await refusal(registry, restore(delete.jobId))?.kind == .conflict, "also once that restore finished")

        let ofARestore = await refusal(registry, restore(restored.jobId))
        #expect(ofARestore?.kind == .conflict)
        #expect(ofARestore?.message.contains("is a bulk restore, not a delete") == true)
        #expect(await registry.list(JobListQuery(org: "o", limit: 10)).documents.count == 3)
        #expect(await registry.document(org: "o", jobId: restored.jobId)?.restoredBy == nil)
    }

    /// 410: a delete that kept nothing, or whose window ended (at the instant it ends), or that
    /// was purged; a cancelled delete restores what it did delete, within its window.
    @Test(arguments: StoreLocation.Engine.allCases)
    func aRestoreOfADeleteThatKeptNothingOrWhoseWindowEndedIsGone(engine: StoreLocation.Engine) async throws {
        let registry = try StoreLocation(engine).registry(restoreWindow: RestoreWindow(seconds: 60))
        let permanent = try await finishedDelete(registry, permanent: true)
        let keptNothing = await refusal(registry, restore(permanent.jobId))
        #expect(keptNothing?.kind == .gone)
        #expect(keptNothing?.message.contains("was a permanent delete: it kept nothing") == true)

        let expired = try await finishedDelete(registry)
        let until = try #require(expired.restorableUntil)
        let ended = await refusal(registry, restore(expired.jobId), at: until)
        #expect(ended?.kind == .gone)
        #expect(ended?.message.contains("The restore window of job \(expired.jobId) ended at 20") == true, "\(String(describing: ended))")

        var cancelled = try await registry.create(request())
        cancelled = try #require(try await registry.cancel(org: "o", jobId: cancelled.jobId))
        try await registry.apply(SliceProgress(jobId: cancelled.jobId, shard: 0, counters: DeleteCounters(), outcome: .cancelled))
        let stopped = try #require(await registry.document(org: "o", jobId: cancelled.jobId))
        #expect(stopped.status == .cancelled)
        let restored = try await registry.register(restore(cancelled.jobId), at: try #require(stopped.restorableUntil) - 1)
        guard case .created = restored else { Issue.record("a cancelled delete within its window was not restored"); return }
    }

    /// Once a delete is handed out to be purged, it cannot be restored, even at a time before its
    /// window ended (a wall clock stepped back); once purged, it says so after a restart too.
    @Test(arguments: StoreLocation.Engine.allCases)
    func aDeleteBeingPurgedOrPurgedIsGone(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let delete: JobDocument
        do {  // the first coordinator is gone before the next opens the registry
            let registry = try location.registry(restoreWindow: RestoreWindow(seconds: 60))
            delete = try await finishedDelete(registry)
            let until = try #require(delete.restorableUntil)
            #expect(await registry.startPurges(now: until).map(\.jobId) == [delete.jobId])
            #expect(await refusal(registry, restore(delete.jobId), at: until - 1)?.kind == .gone)
            try await registry.purged(delete.jobId)
        }
        let reopened = try location.registry(restoreWindow: RestoreWindow(seconds: 60))
        #expect(await reopened.document(org: "o", jobId: delete.jobId)?.purged == true)
        #expect(await reopened.startPurges(now: .max).isEmpty, "purged once")
        #expect(await refusal(reopened, restore(delete.jobId), at: try #require(delete.restorableUntil) - 1)?.kind == .gone)
    }

    /// The same key for the same delete replays the restore (even though the delete is now
    /// restored); for another delete it is a conflict that names both.
    @Test(arguments: StoreLocation.Engine.allCases)
    func aRestoreIsReplayedByItsKeyForTheSameDeleteOnly(engine: StoreLocation.Engine) async throws {
        let registry = try StoreLocation(engine).registry()
        let delete = try await finishedDelete(registry)
        let other = try await finishedDelete(registry)
        let restored = try await registry.create(restore(delete.jobId, key: "k"))
        #expect(try await registry.register(restore(delete.jobId, key: "k")) == .replayed(restored))
        let refused = await refusal(registry, restore(other.jobId, key: "k"))
        #expect(refused?.kind == .conflict)
        #expect(refused?.message.contains("already used for job \(restored.jobId), the restore of job \(delete.jobId)") == true)
        #expect(refused?.message.contains("send a new key to restore job \(other.jobId)") == true)
        #expect(await registry.document(org: "o", jobId: other.jobId)?.restoredBy == nil)
    }

    /// The purge waits for the window, and for a restore of the delete to finish (it reads what
    /// was kept).
    @Test(arguments: StoreLocation.Engine.allCases)
    func aDeleteIsDueToBePurgedOnceItsWindowEndedAndNoRestoreOfItRuns(engine: StoreLocation.Engine) async throws {
        let registry = try StoreLocation(engine).registry(restoreWindow: RestoreWindow(seconds: 60))
        let first = try await finishedDelete(registry)
        let restoring = try await finishedDelete(registry)
        _ = try await finishedDelete(registry, permanent: true)
        let restore = try await registry.create(restore(restoring.jobId))
        let until = try #require(restoring.restorableUntil)
        #expect(await registry.startPurges(now: try #require(first.restorableUntil) - 1).isEmpty)
        #expect(await registry.startPurges(now: until).map(\.jobId) == [first.jobId])
        try await finish(registry, restore.jobId)
        // Both finished within the same millisecond or not: compared as a set, not in an order
        // that two equal windows leave to their random ids.
        #expect(Set(await registry.startPurges(now: until).map(\.jobId)) == [first.jobId, restoring.jobId])
    }

    /// A delete finished before a restart, and not handed out to be purged, is due after it too;
    /// one handed out before it is handed out again (the shards answer a repeated request).
    @Test(arguments: StoreLocation.Engine.allCases)
    func aDeleteNotPurgedBeforeARestartIsDueAfterIt(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let (handedOut, waiting): (JobDocument, JobDocument)
        do {  // the first coordinator is gone before the next opens the registry
            let registry = try location.registry(restoreWindow: RestoreWindow(seconds: 60))
            handedOut = try await finishedDelete(registry)
            #expect(await registry.startPurges(now: try #require(handedOut.restorableUntil)).map(\.jobId) == [handedOut.jobId])
            waiting = try await finishedDelete(registry)
        }
        let reopened = try location.registry(restoreWindow: RestoreWindow(seconds: 60))
        #expect(Set(await reopened.startPurges(now: .max).map(\.jobId)) == [handedOut.jobId, waiting.jobId])
    }

    /// A restorable delete stays past the retention until it is purged, then for the retention from
    /// its purge, however late that came (a restore asked for meanwhile is gone, 410, not unknown,
    /// 404); the restore its `restoredBy` names stays as long as it does.
    @Test(arguments: StoreLocation.Engine.allCases)
    func aRestorableDeleteIsKeptForTheRetentionAfterItsPurgeAndItsRestoreWithIt(engine: StoreLocation.Engine) async throws {
        let registry = try StoreLocation(engine).registry(restoreWindow: RestoreWindow(seconds: 60))
        let expired = try await finishedDelete(registry)
        let restored = try await finishedDelete(registry)
        let restoring = try await registry.create(restore(restored.jobId))
        try await finish(registry, restoring.jobId)
        let finishedAt = try #require(await registry.document(org: "o", jobId: restoring.jobId)?.finishedAt)
        let late = finishedAt + JobRegistry.retentionMilliseconds + 1
        #expect(try await registry.sweep(now: late) == 0)
        #expect(await registry.document(org: "o", jobId: restoring.jobId) != nil)
        #expect(Set(await registry.startPurges(now: late).map(\.jobId)) == [expired.jobId, restored.jobId])
        try await registry.purged(expired.jobId, at: late)
        try await registry.purged(restored.jobId, at: late)
        let lastMoment = late + JobRegistry.retentionMilliseconds - 1
        #expect(try await registry.sweep(now: lastMoment) == 0)
        #expect(await refusal(registry, restore(expired.jobId), at: lastMoment)?.kind == .gone)
        #expect(await registry.document(org: "o", jobId: restoring.jobId) != nil)
        #expect(try await registry.sweep(now: late + JobRegistry.retentionMilliseconds + 1) == 3)
        #expect(await registry.list(JobListQuery(org: "o", limit: 10)).documents.isEmpty)
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
