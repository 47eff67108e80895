import Wire

/// One job's state, fed with its shards' progress reports: pure, so tests
/// drive it with timestamps and no sockets.
///
/// Counters never go down: a report older than what a slice already showed
/// (a resent or reordered one) is ignored. The job finishes when every slice
/// has, and its status says what happened: `cancelled` when some slice was
/// stopped with work left, `failed` when some slice could not go on,
/// `completed_with_errors` when records failed one by one, `completed`
/// otherwise, also when a cancel came after the last record was deleted. A restorable delete that
/// finishes, in any status, can be restored until `restoreWindow` after it finished.
struct JobTracker {
    private(set) var document: JobDocument
    /// How long a restorable delete keeps what it deleted once it finished.
    let restoreWindow: RestoreWindow
    /// (time ms, processed) over the last `rateWindow`, for `ratePerSecond`.
    private var samples: [(at: Int64, processed: UInt64)] = []

    /// The window `ratePerSecond` is measured over.
    static let rateWindowMilliseconds: Int64 = 5_000
    /// Errors kept in the document; later ones are counted, not listed.
    static let keptErrors = 100

    init(document: JobDocument, restoreWindow: RestoreWindow = .standard) {
        self.document = document
        self.restoreWindow = restoreWindow
    }

    /// A new job over `shardCount` slices, queued until its first report: a delete permanent or
    /// restorable as `request` says, a restore naming its delete.
    static func new(
        jobId: String, request: JobRequest, shardCount: Int, at now: Int64, restoreWindow: RestoreWindow = .standard
    ) -> JobTracker {
        let slices = (0..<shardCount).map { JobDocument.Slice(shard: UInt32($0), status: .queued, counters: DeleteCounters(), restarts: 0) }
        var document = JobDocument(
            jobId: jobId, kind: request.kind, org: request.org, status: .queued, counters: DeleteCounters(), shards: slices, errors: [],
            filterJSON: request.filterJSON, requestedBy: request.requester, createdAt: now, startedAt: nil, updatedAt: now,
            finishedAt: nil, ratePerSecond: nil)
        document.requestsPerSecond = request.requestsPerSecond
        document.ignoredKeys = request.ignoredKeys
        document.permanent = request.permanent
        document.restores = request.restores
        return JobTracker(document: document, restoreWindow: restoreWindow)
    }

    var isFinished: Bool { document.status.isFinished }

    /// A delete whose shards may still hold what it kept: restorable, and not yet purged. Kept
    /// in the registry past the retention until it is purged.
    var mayHoldKeptRecords: Bool {
        document.kind == .delete && !document.permanent && !document.purged
    }

    /// The shards were told to purge what this delete kept: nothing of it can be restored any more.
    mutating func purged(at now: Int64) {
        guard mayHoldKeptRecords else { return }
        document.purged = true
        changed(at: now)
    }

    /// A restore of this delete was registered as `restoreId`: no other ever will be.
    mutating func restoreStarted(by restoreId: String, at now: Int64) {
        document.restoredBy = restoreId
        changed(at: now)
    }

    /// Slices still to run (or, while cancelling, still to stop).
    var pendingShards: [Int] {
        document.shards.filter { !Self.sliceIsDone($0.status) }.map { Int($0.shard) }
    }

    var isCancelling: Bool { document.status == .cancelling }

    /// Asks the job to stop; false when it already finished.
    mutating func requestCancel(at now: Int64) -> Bool {
        guard !isFinished else { return false }
        document.status = .cancelling
        changed(at: now)
        finishIfDone(at: now)
        return true
    }

    /// Sets the job's throttle (nil: none); false when it already finished.
    mutating func rethrottle(_ requestsPerSecond: Double?, at now: Int64) -> Bool {
        guard !isFinished else { return false }
        document.requestsPerSecond = requestsPerSecond
        changed(at: now)
        return true
    }

    /// The slice of `shard` had to be given to a new process of that shard (it died or reconnected).
    mutating func sliceRestarted(_ shard: Int, at now: Int64) {
        guard document.shards.indices.contains(shard), !isFinished else { return }
        document.shards[shard].restarts += 1
        changed(at: now)
    }

    /// Every change is stamped, and counted in the revision that tells copies of the document apart.
    private mutating func changed(at now: Int64) {
        document.updatedAt = now
        document.revision += 1
    }

    private static func sliceIsDone(_ status: JobDocument.Status) -> Bool {
        [.completed, .failed, .cancelled].contains(status)
    }

    /// Applies one shard's report; false when it changed nothing.
    mutating func apply(_ progress: SliceProgress, at now: Int64) -> Bool {
        let index = Int(progress.shard)
        guard document.shards.indices.contains(index), !isFinished else { return false }
        var slice = document.shards[index]
        guard !Self.sliceIsDone(slice.status) else { return false }
        switch progress.outcome {
        case .failed(let reason):
            // The slice cannot go on (a storage fault): it fails with its reason, keeping what it counted.
            slice.status = .failed
            keep([SliceError(recordId: "", message: reason)])
        case .running, .finished, .cancelled:
            guard progress.counters.processed >= slice.counters.processed, progress.counters.total >= slice.counters.total else { return false }
            slice.counters = progress.counters
            slice.status = switch progress.outcome {
            case .finished: .completed
            case .cancelled: .cancelled
            default: .running
            }
            keep(progress.errors)
        }
        document.shards[index] = slice
        if document.startedAt == nil { document.startedAt = now }
        if document.status == .queued { document.status = .running }
        document.counters = document.shards.reduce(DeleteCounters()) { $0 + $1.counters }
        changed(at: now)
        measureRate(at: now)
        finishIfDone(at: now)
        return true
    }

    private mutating func keep(_ errors: [SliceError]) {
        let room = Self.keptErrors - document.errors.count
        if room > 0 { document.errors.append(contentsOf: errors.prefix(room)) }
    }

    /// Records per second between the oldest sample still needed and now.
    ///
    /// ```
    /// sample ─ sample ─ anchor ┊ sample ─ sample ─ now
    ///                          ┊◀──── rate window ────▶
    /// ```
    /// One sample older than the window stays as the anchor, so sparse reports
    /// still measure the latest interval instead of keeping a stale rate.
    private mutating func measureRate(at now: Int64) {
        samples.append((now, document.counters.processed))
        while samples.count > 2 && now - samples[1].at >= Self.rateWindowMilliseconds { samples.removeFirst() }
        guard let first = samples.first, now > first.at else { return }
        document.ratePerSecond = Double(document.counters.processed.saturatingSubtract(first.processed)) * 1000 / Double(now - first.at)
    }

    private mutating func finishIfDone(at now: Int64) {
        guard document.shards.allSatisfy({ Self.sliceIsDone($0.status) }) else { return }
        // A cancel that reached no slice before its last record was processed changed nothing: the job completed.
        if document.shards.contains(where: { $0.status == .cancelled }) {
            document.status = .cancelled
        } else if document.shards.contains(where: { $0.status == .failed }) {
            document.status = .failed
        } else {
            document.status = document.counters.failed > 0 ? .completedWithErrors : .completed
        }
        document.finishedAt = now
        // A cancelled or failed delete kept what it did delete: restorable as a completed one is.
        if mayHoldKeptRecords { document.restorableUntil = now + restoreWindow.milliseconds }
    }
}
