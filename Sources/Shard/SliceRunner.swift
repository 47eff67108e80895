import StorageDriver
import Wire
import WireRuntime
import WireTransport

/// Runs this shard's slices of every kind of job batch by batch, reporting progress after
/// each committed batch to whichever coordinator connection assigned it last. What a batch
/// does is the store's (one set of statements per kind); the turns, throttle, retries and
/// reports here are the same for every kind.
///
/// One worker writes every batch: the running slices take turns (`BatchTurns`,
/// round robin across orgs, then jobs), and each batch is sized to take about
/// `BatchSizer.target`, so no slice waits long behind another.
///
/// A batch that fails rolls back whole (its deletions and its checkpoint are
/// one transaction), so retrying it, or failing the slice, never miscounts.
/// Transient storage faults (a lock, a full disk, an I/O error) are retried
/// after `retryDelays`; a lost database server, every 1.6 s until it is back. A fault that one record causes (a constraint) is
/// narrowed down by halving the batch until a batch of one fails: that
/// record is set aside as failed (counted in `failed`, listed in `errors`)
/// and the slice goes on. Any other fault, or one that outlasts the retries,
/// fails the slice with the error, and the job with it.
actor SliceRunner {
    private let store: any PartitionStore
    private let publisher: OutboxPublisher
    private let log: Log
    /// The slices running here, by job; a job has a turn exactly while it has a slice here.
    private var slices: [String: RunningSlice] = [:]
    /// Whose batch comes next.
    private var turns = BatchTurns()
    /// Wakes the worker (`run`) when a job starts here; one waiting stands for any number.
    private nonisolated let assigned = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    /// What paces, retries and progress reports are timed by.
    private let clock: any ProcessClock

    /// Progress is reported at most this often while a slice runs (and always when it ends):
    /// each report is a saved job document and a push to every gateway, and short batches
    /// would otherwise make them the coordinator's main work.
    static let progressInterval: Duration = .milliseconds(100)

    /// The longest the worker sleeps while every running job waits for its throttle: a
    /// rethrottle or a cancel takes effect within it.
    static let throttleCheck: Duration = .milliseconds(100)

    /// Waits before each retry of a step that failed with a transient storage
    /// fault: 3.1 s in all, long enough for a lock to be released or space to
    /// be freed.
    static let retryDelays: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1_600)]

    private let metrics: ShardMetrics

    init(store: any PartitionStore, publisher: OutboxPublisher, metrics: ShardMetrics, clock: any ProcessClock = SystemClock(), log: Log) {
        self.store = store
        self.publisher = publisher
        self.metrics = metrics
        self.clock = clock
        self.log = log
    }

    /// Takes on `assignment` (or finds where it stands) and runs it unless it
    /// is finished; a storage fault that outlasts the retries fails the slice. Throws only when
    /// cancelled (the shard stopping), leaving the slice as stored for its next start.
    func start(_ assignment: SliceAssignment, reportingTo connection: Connection) async throws -> SliceProgress {
        let jobId = assignment.jobId
        let progress: SliceProgress
        do {
            progress = try await retryingTransientFaults(assignment.kind, jobId, "starting its slice") {
                try await store.startSlice(assignment)
            }
        } catch is CancellationError {
            // Stopping while a retry waited: failing the slice would fail the job for good.
            throw CancellationError()
        } catch {
            // Also as a notice: the retries can outlast the coordinator's wait for
            // this answer, and an answer that comes too late is dropped.
            let failed = failure(assignment.kind, jobId, "starting its slice", error)
            connection.notify(.sliceProgress(failed))
            return failed
        }
        if !progress.outcome.isFinal { run(assignment, countedFrom: progress.counters, reportingTo: connection) }
        return progress
    }

    /// A running job's new throttle, from its next batch; false when it does not run here.
    func rethrottle(_ jobId: String, recordsPerSecond: Double?) -> Bool {
        guard slices[jobId] != nil else { return false }
        slices[jobId]?.pace = pace(recordsPerSecond)
        return true
    }

    /// Nil, or a rate that is not a positive number (the gateway lets none through), is no throttle.
    private func pace(_ recordsPerSecond: Double?) -> Pace? {
        recordsPerSecond.flatMap { $0 > 0 && $0.isFinite ? Pace(recordsPerSecond: $0, startingAt: clock.now) : nil }
    }

    /// Runs `assignment`'s slice, whose counters stand at `counters`, or points an already running
    /// one at `connection` and the assignment's throttle.
    private func run(_ assignment: SliceAssignment, countedFrom counters: DeleteCounters, reportingTo connection: Connection) {
        let jobId = assignment.jobId
        let pace = pace(assignment.recordsPerSecond)
        guard slices[jobId] == nil else {
            slices[jobId]?.connection = connection
            slices[jobId]?.pace = pace
            return
        }
        slices[jobId] = RunningSlice(kind: assignment.kind, connection: connection, pace: pace, counted: counters)
        turns.add(jobId, org: assignment.org)
        assigned.continuation.yield()
    }

    /// The one worker that writes batches, a service of the shard process: it works while any
    /// job runs here and waits for the next otherwise, until cancelled (then between batches).
    func run() async {
        for await _ in assigned.stream {
            await work()
        }
    }

    /// Writes one batch at a time, of whichever job's turn it is, until none runs. A throttled
    /// job's turn is passed over until its pace allows its next batch (a stop always may go).
    private func work() async {
        while !turns.isEmpty, !Task.isCancelled {
            let now = clock.now
            if let jobId = turns.next(where: { slices[$0]?.mayGo(at: now) ?? true }) {
                await runBatch(of: jobId)
            } else {
                let firstDue = slices.values.compactMap(\.pace?.due).min() ?? now
                try? await clock.sleep(until: min(firstDue, now + Self.throttleCheck))
            }
        }
    }

    /// The job is done here (finished, cancelled or failed): no more turns.
    private func end(_ jobId: String) {
        slices[jobId] = nil
        turns.remove(jobId)
    }

    /// Stops `jobId` at its next batch boundary; true when it was running here
    /// (its final progress then follows as a notice), false when it was not.
    func cancel(_ jobId: String) -> Bool {
        guard slices[jobId] != nil else { return false }
        slices[jobId]?.stopping = true
        return true
    }

    /// One batch of `jobId`'s slice (or its stop, when a cancel came), reported; a record that
    /// breaks a rule is narrowed down over the following turns and then set aside as failed.
    private func runBatch(of jobId: String) async {
        // `run` and `end` give and take a job's turn and its slice together.
        guard let slice = slices[jobId] else { preconditionFailure("job \(jobId) has a turn but no running slice") }
        let kind = slice.kind
        var sizer = slice.sizer
        let progress: SliceProgress
        do {
            let started = clock.now
            let size = slice.pace?.batchSize(atMost: sizer.size) ?? sizer.size
            progress = try await retryingTransientFaults(kind, jobId, "deleting a batch") {
                // Re-read after every await: a cancel may have arrived meanwhile.
                try await slices[jobId]?.stopping == true ? store.cancelSlice(jobId) : store.runNextBatch(jobId, limit: size)
            }
            let took = clock.now - started
            sizer.measured(records: size, took: took)
            // Re-read after the await: a rethrottle may have replaced the pace.
            slices[jobId]?.pace?.batchStarted(at: started, records: size)
            if progress.outcome != .cancelled {
                metrics.batch(of: kind, from: slice.counted, to: progress.counters, took: took)
                slices[jobId]?.counted = progress.counters
            }
        } catch is CancellationError {
            // The process is stopping: the slice stays as its last commit left it, for the next start.
            return
        } catch let error as any StorageFailure where error.fault == .record {
            guard sizer.isSingleRecord else {
                // Some record of this batch breaks a rule: narrow it down; what is fine commits meanwhile.
                sizer.narrow()
                slices[jobId]?.sizer = sizer
                return
            }
            log.warning("\(kind) job \(jobId): a record could not be deleted: \(error); it is counted as failed", job: jobId)
            do {
                progress = try await retryingTransientFaults(kind, jobId, "setting a failed record aside") {
                    try await store.failNextRecord(jobId, reason: "\(error.message)")
                }
            } catch is CancellationError {
                return
            } catch {
                slices[jobId]?.connection.notify(.sliceProgress(failure(kind, jobId, "setting a failed record aside", error)))
                end(jobId)
                return
            }
            sizer = BatchSizer()
        } catch {
            // Re-read after the await: the reporting connection may have changed.
            slices[jobId]?.connection.notify(.sliceProgress(failure(kind, jobId, "deleting a batch", error)))
            end(jobId)
            return
        }
        // Counters are absolute, so a report left out loses nothing: the next one carries them.
        // A record set aside is reported once, in its own report, so that one always goes.
        let now = clock.now
        let due = slices[jobId]?.lastReport.map { now - $0 >= Self.progressInterval } ?? true
        if progress.outcome.isFinal || !progress.errors.isEmpty || due {
            slices[jobId]?.connection.notify(.sliceProgress(progress))
            slices[jobId]?.lastReport = now
        }
        // The batch's events are committed: hand them on without holding up the next batch.
        publisher.requestDrain()
        if progress.outcome.isFinal {
            end(jobId)
        } else {
            slices[jobId]?.sizer = sizer
        }
    }

    /// Runs `step`, and again after each of `retryDelays` while it fails with a transient storage fault.
    private func retryingTransientFaults(
        _ kind: JobKind, _ jobId: String, _ what: String, _ step: () async throws -> SliceProgress
    ) async throws -> SliceProgress {
        var delays = Self.retryDelays[...]
        while true {
            do {
                return try await step()
            } catch let error as any StorageFailure where error.isTransient && (!delays.isEmpty || error.fault == .connection) {
                // A database server that went away pauses the slice until it is back, however long.
                let delay = delays.isEmpty ? Self.retryDelays[Self.retryDelays.count - 1] : delays.removeFirst()
                log.warning("\(kind) job \(jobId): \(what) failed: \(error); retrying in \(delay)", job: jobId)
                // Cancelled (the process is stopping): the step is left undone, not failed.
                try await clock.sleep(for: delay)
            }
        }
    }

    /// The report that fails `jobId`'s slice here: unfinished, with the error and what to do about it.
    private func failure(_ kind: JobKind, _ jobId: String, _ what: String, _ error: any Error) -> SliceProgress {
        log.error("\(kind) job \(jobId): \(what) failed: \(error); the slice fails", job: jobId)
        let message = "shard \(store.index): \(what) failed, nothing of that batch was deleted: \(error). \(Self.remedy(for: error))"
        return SliceProgress(jobId: jobId, shard: UInt32(store.index), counters: DeleteCounters(), outcome: .failed(reason: message))
    }

    private static func remedy(for error: any Error) -> String {
        switch (error as? any StorageFailure)?.fault {
        case .storage: "Free disk space or repair the device, then run the delete again: it deletes what is left."
        case .connection: "Bring this shard's database server back, then run the delete again: it deletes what is left."
        case .locked: "Stop the other process that holds this shard's database, then run the delete again."
        case .corrupt: "This shard's database is damaged: restore it from a backup before deleting again."
        case .record, .other, nil: "Run the delete again; if it fails the same way, report it with the shard's log."
        }
    }
}
