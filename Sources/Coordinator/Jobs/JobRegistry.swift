#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Wire
import WireRuntime

/// Every job the coordinator knows, kept in its `RegistryStorage` (`DIR/coordinator.db`,
/// or a PostgreSQL database) so a job is durable before the gateway answers 202 and
/// readable after restarts.
///
/// Runs on its own thread (a `ThreadExecutor`), like a shard's store. Each
/// change rewrites the job's row (the document, stored with its layout byte) in
/// one statement; registering a restore also marks its delete restored, in the
/// same transaction.
///
/// A restorable delete stays past the retention until its window has ended and
/// the shards were told to purge what it kept (`startPurges`, `purged`), then for the
/// retention after that, so a restore asked for meanwhile hears it is gone (410), not unknown.
actor JobRegistry {
    private let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let storage: any RegistryStorage
    private let shardCount: Int
    private var jobs: [String: JobTracker] = [:]
    /// Job ids in registration order: "newest first" must not depend on two jobs' milliseconds differing.
    private var registrationOrder: [String] = []
    /// What each job asks of every shard: its spec and its snapshot (watermark).
    private var assignments: [String: SliceAssignment] = [:]
    private var clock: VersionClock
    private var creationRate: RateLimiter
    /// The time `creationRate` refills by (not `clock`, which orders versions).
    private let time: any ProcessClock
    /// Told of every change to a job (to push it to the gateways' subscribers).
    private let onChange: @Sendable (JobDocument) -> Void
    /// How long a restorable delete keeps what it deleted; 0: every delete is registered permanent.
    private let restoreWindow: RestoreWindow
    /// The finished restorable deletes not handed out to be purged yet, earliest window first:
    /// a round of the purge schedule (every second) reads those whose window ended, not every job.
    private var windows: [(until: Int64, jobId: String)]
    /// Deletes handed out to be purged (`startPurges`): none can be restored from then on, even
    /// should the wall clock step back before its `restorableUntil`.
    private var purging: Set<String> = []

    /// Finished jobs stay readable at least this long, then are swept;
    /// an Idempotency-Key is remembered as long.
    static let retentionMilliseconds: Int64 = 24 * 3600 * 1000
    /// Running jobs one org may have at once; one more is refused (429).
    static let maxRunningPerOrg = 4
    /// What a refusal at that cap suggests waiting: when a job will end is not known.
    static let runningCapRetrySeconds: UInt32 = 5

    /// The registry in the SQLite file at `path`.
    init(
        path: String, shardCount: Int, creationRate: RateLimiter = .jobCreation, clock: any ProcessClock = SystemClock(),
        restoreWindow: RestoreWindow = .standard, onChange: @escaping @Sendable (JobDocument) -> Void = { _ in }
    ) throws {
        try self.init(
            storage: SQLiteRegistryStorage(path: path), shardCount: shardCount, creationRate: creationRate, clock: clock,
            restoreWindow: restoreWindow, onChange: onChange)
    }

    init(
        storage: any RegistryStorage, shardCount: Int, creationRate: RateLimiter = .jobCreation, clock: any ProcessClock = SystemClock(),
        restoreWindow: RestoreWindow = .standard, onChange: @escaping @Sendable (JobDocument) -> Void = { _ in }
    ) throws {
        self.creationRate = creationRate
        time = clock
        self.restoreWindow = restoreWindow
        self.clock = VersionClock(last: try storage.lastVersion())
        var windows: [(until: Int64, jobId: String)] = []
        for stored in try storage.jobs() {
            let job = try Self.redactedIfDone(stored, in: storage)
            registrationOrder.append(job.jobId)
            let tracker = JobTracker(document: job.document, restoreWindow: restoreWindow)
            jobs[job.jobId] = tracker
            Self.awaitPurgeIfFinished(tracker, in: &windows)
            assignments[job.jobId] = SliceAssignment(jobId: job.jobId, spec: job.spec, watermark: job.watermark)
        }
        self.windows = windows
        self.storage = storage
        self.shardCount = shardCount
        self.onChange = onChange
        // Last, after everything that can throw: a thrown init runs no deinit to stop it.
        executor = ThreadExecutor(name: "job-registry")
    }

    deinit { executor.shutdown() }

    /// What registering a job came to.
    enum Registration: Equatable {
        /// A new job, durable now.
        case created(JobDocument)
        /// The job an earlier request with the same Idempotency-Key started.
        case replayed(JobDocument)
    }

    /// The job an earlier request with the same Idempotency-Key, kind, filter (a restore: the
    /// same delete) and requester started within 24 h, or nil; a conflict, saying which, when the
    /// key came for another kind of job, with another filter, for another delete or from another
    /// requester.
    func replay(of request: JobRequest, at now: Int64 = JobRegistry.now()) throws -> JobDocument? {
        guard let key = request.idempotencyKey else { return nil }
        guard let stored = try storage.key(org: request.org, key: key, since: now - Self.retentionMilliseconds),
              let earlier = jobs[stored.jobId]?.document else { return nil }
        guard stored.requester == request.requester else {
            throw RemoteFailure(.conflict, "Idempotency-Key \(key) was already sent by another user of your organization; send a key of your own.")
        }
        guard earlier.kind == request.kind else {
            throw RemoteFailure(
                .conflict,
                "Idempotency-Key \(key) was already used for job \(earlier.jobId), a bulk \(earlier.kind); "
                    + "send a new key for a bulk \(request.kind).")
        }
        guard PermanentDeleteRedaction.key(stored.filter, remembers: request.filter) else {
            throw RemoteFailure(
                .conflict,
                "Idempotency-Key \(key) was already used for job \(earlier.jobId) with another filter (\(earlier.filterJSON)); "
                    + "send a new key for a different \(request.kind).")
        }
        // A restore's request has no filter of its own: the delete it restores tells it apart.
        if let restores = request.restores, earlier.restores != restores {
            let restoring = earlier.restores.map { ", the restore of job \($0)" } ?? ""
            throw RemoteFailure(
                .conflict,
                "Idempotency-Key \(key) was already used for job \(earlier.jobId)\(restoring); send a new key to restore job \(restores).")
        }
        return earlier
    }

    /// Replays the job of an earlier request with the same Idempotency-Key, or
    /// registers a new one durably: one step, so two concurrent retries make
    /// one job. A new job is refused while the org already runs `maxRunningPerOrg`.
    ///
    /// A delete is permanent when asked, or when the restore window is 0. A restore must pass
    /// its delete's rules (`deleteToRestore`); it takes the delete's filter (which pipeline was
    /// kept), and the delete is marked restored by it in the same transaction that records it.
    func register(_ request: JobRequest, at now: Int64 = JobRegistry.now()) throws -> Registration {
        if let earlier = try replay(of: request, at: now) { return .replayed(earlier) }
        let jobId = UUID().uuidString.lowercased()
        // What the job is, as its document will say after a restart too: only a delete is
        // permanent, only a restore names a delete.
        var accepted = request
        var restored: JobTracker?
        switch request.kind {
        case .delete:
            accepted.restores = nil
            if restoreWindow.makesEveryDeletePermanent { accepted.permanent = true }
            // Shown (and carried in its progress events) without the search term from the start;
            // the shards still get the real filter in their assignment.
            if accepted.permanent { accepted.filterJSON = PermanentDeleteRedaction.filterJSON(accepted.filterJSON, of: accepted.filter) }
        case .restore:
            // Its rules before the cap and the rate: a refused restore spends nothing of either.
            var delete = try deleteToRestore(request, at: now)
            accepted.permanent = false
            accepted.filter = delete.filter
            accepted.filterJSON = delete.tracker.document.filterJSON
            delete.tracker.restoreStarted(by: jobId, at: now)
            restored = delete.tracker
        }
        // The cap first: a request it refuses must not also spend one of the org's tokens.
        let running = jobs.values.count { $0.document.org == request.org && !$0.isFinished }
        guard running < Self.maxRunningPerOrg else {
            throw RemoteFailure(
                .tooManyRequests, "Your organization already runs \(running) bulk jobs (the limit is \(Self.maxRunningPerOrg)); wait for one to finish.",
                retryAfterSeconds: Self.runningCapRetrySeconds)
        }
        if let wait = creationRate.take(for: request.org, at: time.now) {
            let seconds = RateLimiter.retryAfterSeconds(wait)
            throw RemoteFailure(
                .tooManyRequests,
                "Your organization creates bulk jobs faster than \(creationRate.burst) at once and one every \(creationRate.refillEvery); "
                    + "retry in \(seconds) s.",
                retryAfterSeconds: seconds)
        }
        // Remembered with the filter the request came with (a restore's replay compares its delete
        // instead); a permanent delete's as a digest.
        let key = request.idempotencyKey.map {
            (
                name: $0,
                value: StoredKey(
                    requester: request.requester, filter: PermanentDeleteRedaction.keyFilter(request.filter, permanent: accepted.permanent),
                    jobId: jobId)
            )
        }
        let tracker = JobTracker.new(jobId: jobId, request: accepted, shardCount: shardCount, at: now, restoreWindow: restoreWindow)
        let watermark = try storage.transaction {
            // A restore's watermark too: what it puts back counts as written now (see `SliceAssignment.watermark`).
            let watermark = try nextVersion()
            try storage.insert(
                StoredJob(jobId: jobId, filter: accepted.filter, document: tracker.document, watermark: watermark), org: request.org,
                createdAt: now, key: key)
            if let restored { try storage.save(restored.document, finished: true) }
            return watermark
        }
        jobs[jobId] = tracker
        assignments[jobId] = SliceAssignment(jobId: jobId, spec: accepted.spec, watermark: watermark)
        registrationOrder.append(jobId)
        if let restored {
            jobs[restored.document.jobId] = restored
            onChange(restored.document)
        }
        onChange(tracker.document)
        return .created(tracker.document)
    }

    /// The delete `request` restores, with its filter, if the rules allow a restore of it now:
    /// 404 when it is no job of the org; 409 when it is not a delete, has not finished, or a
    /// restore of it was already registered; 410 when it kept nothing (permanent) or its window
    /// ended. Each refusal says what to do, where something can be done.
    private func deleteToRestore(_ request: JobRequest, at now: Int64) throws -> (tracker: JobTracker, filter: ContactFilter) {
        guard let deleteId = request.restores else {
            throw RemoteFailure(
                .badRequest, "A restore names the delete it restores: send it to POST /api/contacts/bulk-job/{jobId}/restore.")
        }
        guard let tracker = jobs[deleteId], tracker.document.org == request.org, let assignment = assignments[deleteId] else {
            throw RemoteFailure(
                .notFound,
                "Job \(deleteId) was not found in your organization (a restorable delete is kept until its restore window ends); "
                    + "check the job id in GET /api/contacts/bulk-jobs.")
        }
        let delete = tracker.document
        guard delete.kind == .delete else {
            throw RemoteFailure(.conflict, "Job \(deleteId) is a bulk \(delete.kind), not a delete: only a delete can be restored.")
        }
        guard !delete.permanent else {
            throw RemoteFailure(.gone, "Job \(deleteId) was a permanent delete: it kept nothing, so there is nothing to restore.")
        }
        guard tracker.isFinished else {
            throw RemoteFailure(
                .conflict,
                "Job \(deleteId) is still \(delete.status): a delete can be restored once it has finished; wait for it (or cancel it), "
                    + "then ask again.")
        }
        if let restoreId = delete.restoredBy {
            throw RemoteFailure(
                .conflict,
                "Job \(deleteId) was already restored by job \(restoreId) (a delete is restored once); "
                    + "follow that job at GET /api/contacts/bulk-job/\(restoreId).")
        }
        guard let until = delete.restorableUntil, now < until, !delete.purged, !purging.contains(deleteId) else {
            let ended = delete.restorableUntil.map { " at \(Self.timestamp($0))" } ?? ""
            throw RemoteFailure(
                .gone,
                "The restore window of job \(deleteId) ended\(ended): what it deleted is purged and cannot be restored; "
                    + "re-import those records if you have them.")
        }
        return (tracker, assignment.spec.filter)
    }

    /// Epoch milliseconds as a message shows them: ISO 8601 in UTC, as the API writes times.
    private static func timestamp(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1_000).ISO8601Format()
    }

    /// Forgets jobs last changed (`retainedSince`) more than `retentionMilliseconds` before
    /// `now`, and idempotency keys given as long ago; returns how many jobs went.
    @discardableResult
    func sweep(now: Int64) throws -> Int {
        let cutoff = now - Self.retentionMilliseconds
        let expired = jobs.values.filter { tracker in retainedSince(tracker).map { $0 < cutoff } ?? false }.map(\.document.jobId)
        try storage.transaction { try storage.forget(expired, keysBefore: cutoff) }
        for jobId in expired {
            jobs[jobId] = nil
            assignments[jobId] = nil
        }
        if !expired.isEmpty { registrationOrder.removeAll { jobs[$0] == nil } }
        return expired.count
    }

    /// When the retention of `tracker`'s job starts; nil while it must stay (unfinished, or a
    /// delete that may still hold what it kept). A finished job changes only when it finishes, when
    /// a restore of it is registered and when it is purged: its last change, so a delete purged
    /// late (a shard was down) still answers 410 for the retention. A restore stays as long as
    /// the delete that links to it (`restoredBy`).
    private func retainedSince(_ tracker: JobTracker) -> Int64? {
        guard tracker.isFinished, !tracker.mayHoldKeptRecords else { return nil }
        let own = tracker.document.updatedAt
        guard let deleteId = tracker.document.restores, let delete = jobs[deleteId] else { return own }
        return retainedSince(delete).map { max(own, $0) }
    }

    /// Counts a slice handed to a new process of its shard.
    func sliceRestarted(jobId: String, shard: Int) throws {
        guard var tracker = jobs[jobId] else { return }
        tracker.sliceRestarted(shard, at: Self.now())
        jobs[jobId] = tracker
        try persist(tracker)
    }

    /// A page of the org's jobs, newest first: at most `limit`, in `status` when given, registered
    /// before the job whose watermark is `before`; cut short at `JobList.byteBudget` so that
    /// it always fits a frame. `next` is where the following page starts.
    func list(_ query: JobListQuery) -> JobList {
        page(limit: query.limit, before: query.before) { document in
            document.org == query.org && (query.status.map { document.status == $0 } ?? true)
        }
    }

    /// How many jobs the registry holds in each status.
    func statusCounts() -> [JobDocument.Status: Int] {
        jobs.values.reduce(into: [:]) { counts, tracker in counts[tracker.document.status, default: 0] += 1 }
    }

    /// The unfinished jobs of every org, newest first: at most `limit`, cut short as `list` is.
    func unfinished(limit: UInt32) -> JobList {
        page(limit: limit, before: nil) { !$0.status.isFinished }
    }

    private func page(limit: UInt32, before: Int64?, matching: (JobDocument) -> Bool) -> JobList {
        var page: [JobDocument] = []
        var bytes = 0
        for jobId in registrationOrder.reversed() {
            guard let document = jobs[jobId]?.document, let watermark = assignments[jobId]?.watermark, matching(document) else { continue }
            if let before, watermark >= before { continue }
            let size = document.storedBytes.count
            if page.count == Int(limit) || (!page.isEmpty && bytes + size > JobList.byteBudget) {
                return JobList(documents: page, next: assignments[page[page.count - 1].jobId]?.watermark)
            }
            page.append(document)
            bytes += size
        }
        return JobList(documents: page, next: nil)
    }

    /// Asks a job to stop. Nil when there is no such job in `org`; a conflict when it already finished.
    func cancel(org: String, jobId: String) throws -> JobDocument? {
        guard var tracker = jobs[jobId], tracker.document.org == org else { return nil }
        guard tracker.requestCancel(at: Self.now()) else {
            throw RemoteFailure(.conflict, "Job \(jobId) already finished (\(tracker.document.status)); there is nothing to cancel.")
        }
        jobs[jobId] = tracker
        try persist(tracker)
        Self.awaitPurgeIfFinished(tracker, in: &windows)
        return tracker.document
    }

    /// Sets a job's throttle: the job, and the throttle it had (for the log's "from what to what").
    /// Nil when there is no such job in `org`; a conflict when it already finished.
    func rethrottle(org: String, jobId: String, requestsPerSecond: Double?) throws -> (document: JobDocument, previous: Double?)? {
        guard var tracker = jobs[jobId], tracker.document.org == org else { return nil }
        let previous = tracker.document.requestsPerSecond
        guard tracker.rethrottle(requestsPerSecond, at: Self.now()) else {
            throw RemoteFailure(.conflict, "Job \(jobId) already finished (\(tracker.document.status)); there is nothing to throttle.")
        }
        jobs[jobId] = tracker
        try persist(tracker)
        return (tracker.document, previous)
    }

    /// Each shard's share of a throttle across the whole job: slices are of about equal size.
    func share(of requestsPerSecond: Double?) -> Double? {
        requestsPerSecond.map { $0 / Double(shardCount) }
    }

    /// Applies a shard's report and saves the job when it changed.
    func apply(_ progress: SliceProgress) throws {
        guard var tracker = jobs[progress.jobId] else { return }
        guard tracker.apply(progress, at: Self.now()) else { return }
        jobs[progress.jobId] = tracker
        try persist(tracker)
        Self.awaitPurgeIfFinished(tracker, in: &windows)
    }

    private func persist(_ tracker: JobTracker) throws {
        let jobId = tracker.document.jobId
        if tracker.isFinished, let assignment = assignments[jobId], let redacted = Self.redactedOnceFinished(assignment) {
            try storage.transaction {
                try storage.save(tracker.document, finished: true)
                try storage.saveFilter(redacted.filter, jobId: jobId)
            }
            assignments[jobId] = redacted
        } else {
            try storage.save(tracker.document, finished: tracker.isFinished)
        }
        onChange(tracker.document)
    }

    /// `job`, rewritten without its search term when it is a finished permanent delete that a
    /// build before they were redacted stored with one (its document's filter shown too).
    private static func redactedIfDone(_ job: StoredJob, in storage: any RegistryStorage) throws -> StoredJob {
        let assignment = SliceAssignment(jobId: job.jobId, spec: job.spec, watermark: job.watermark)
        guard job.document.status.isFinished, let redacted = redactedOnceFinished(assignment) else { return job }
        var document = job.document
        document.filterJSON = PermanentDeleteRedaction.filterJSON(document.filterJSON, of: job.filter)
        try storage.transaction {
            try storage.save(document, finished: true)
            try storage.saveFilter(redacted.filter, jobId: job.jobId)
        }
        return StoredJob(jobId: job.jobId, filter: redacted.filter, document: document, watermark: job.watermark)
    }

    /// A finished permanent delete's assignment without its search term, when it still holds
    /// one: it is never dispatched again, and it must keep nothing personal.
    private static func redactedOnceFinished(_ assignment: SliceAssignment) -> SliceAssignment? {
        guard assignment.permanent, assignment.filter != assignment.filter.redacted else { return nil }
        var redacted = assignment
        redacted.spec.filter = assignment.filter.redacted
        return redacted
    }

    /// Wall-clock epoch milliseconds, as the documents' stamps are; tests pass their own `now`.
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: - Purges

    /// Adds a restorable delete that has finished to the `windows` awaiting their purge. Called
    /// where a job may finish (a report, a cancel) and for the jobs read at start, which are
    /// not in `windows` yet: a finished job never finishes again.
    private static func awaitPurgeIfFinished(_ tracker: JobTracker, in windows: inout [(until: Int64, jobId: String)]) {
        guard tracker.isFinished, tracker.mayHoldKeptRecords, let until = tracker.document.restorableUntil else { return }
        let entry = (until: until, jobId: tracker.document.jobId)
        // Deletes finish in about the order their windows end: the place is found from the end.
        let index = windows.lastIndex { ($0.until, $0.jobId) <= (entry.until, entry.jobId) }.map { $0 + 1 } ?? 0
        windows.insert(entry, at: index)
    }

    /// Hands out the restorable deletes whose window ended by `now` and of which no restore runs
    /// (it reads what they kept; a finished one leaves what it passed by for the purge): from this
    /// call on, none of them can be restored. Returns every delete handed out and not yet marked
    /// `purged`, now or by an earlier call, the earliest window first.
    func startPurges(now: Int64) -> [JobDocument] {
        var index = 0
        while index < windows.count, windows[index].until <= now {
            let jobId = windows[index].jobId
            let restoring = jobs[jobId]?.document.restoredBy.flatMap { jobs[$0] }.map { !$0.isFinished } ?? false
            if restoring {
                index += 1
            } else {
                purging.insert(jobId)
                windows.remove(at: index)
            }
        }
        return purging.compactMap { jobs[$0]?.document }
            .sorted { ($0.restorableUntil ?? 0, $0.jobId) < ($1.restorableUntil ?? 0, $1.jobId) }
    }

    /// Every shard was told to purge what delete `jobId` kept: saved as purged, which lets the
    /// retention forget it. Nothing when it is gone or already purged.
    func purged(_ jobId: String, at now: Int64 = JobRegistry.now()) throws {
        guard var tracker = jobs[jobId], tracker.mayHoldKeptRecords else { return }
        tracker.purged(at: now)
        jobs[jobId] = tracker
        try persist(tracker)
        purging.remove(jobId)
        windows.removeAll { $0.jobId == jobId }
    }

    // MARK: - Versions

    /// A new cluster-wide version (see `VersionClock`), durable before it is used:
    /// a restarted coordinator never hands out one at or below it again.
    func nextVersion() throws -> Int64 {
        var advanced = clock
        let version = advanced.next(atMicroseconds: Int64(Date().timeIntervalSince1970 * 1_000_000))
        try storage.saveVersion(version)
        clock = advanced
        return version
    }

    /// The snapshot of `jobId`: the version it was registered at.
    func watermark(of jobId: String) -> Int64? { assignments[jobId]?.watermark }

    /// The job `jobId` if it belongs to `org` (another org's job is as good as absent).
    func document(org: String, jobId: String) -> JobDocument? {
        guard let document = jobs[jobId]?.document, document.org == org else { return nil }
        return document
    }

    /// What each unfinished job still needs: its assignment, the shards whose
    /// slices are pending, and whether they are to be stopped rather than run.
    func pendingWork() -> [(assignment: SliceAssignment, shards: [Int], cancelling: Bool)] {
        jobs.values.filter { !$0.isFinished }.compactMap { tracker in
            assignments[tracker.document.jobId].map { assignment in
                var throttled = assignment
                throttled.recordsPerSecond = share(of: tracker.document.requestsPerSecond)
                return (throttled, tracker.pendingShards, tracker.isCancelling)
            }
        }
    }
}
