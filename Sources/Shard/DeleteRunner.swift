import Wire

/// Runs this shard's delete slices batch by batch, reporting progress after
/// each committed batch to whichever coordinator connection assigned it last.
actor DeleteRunner {
    private let store: ShardStore
    private let publisher: OutboxPublisher
    private let log: Log
    /// Running jobs and the connection their progress goes to.
    private var running: [String: Connection] = [:]
    /// Running jobs asked to stop at their next batch boundary.
    private var stopping: Set<String> = []

    init(store: ShardStore, publisher: OutboxPublisher, log: Log) {
        self.store = store
        self.publisher = publisher
        self.log = log
    }

    /// Starts deleting `jobId`'s slice, or points an already running one at `connection`.
    func assign(_ jobId: String, reportingTo connection: Connection) {
        let alreadyRunning = running[jobId] != nil
        running[jobId] = connection
        guard !alreadyRunning else { return }
        Task { await self.run(jobId) }
    }

    /// Stops `jobId` at its next batch boundary; true when it was running here
    /// (its final progress then follows as a notice), false when it was not.
    func cancel(_ jobId: String) -> Bool {
        guard running[jobId] != nil else { return false }
        stopping.insert(jobId)
        return true
    }

    private func run(_ jobId: String) async {
        defer { stopping.remove(jobId) }
        while true {
            let progress: SliceProgress
            do {
                // Re-read after every await: a cancel may have arrived meanwhile.
                progress = stopping.contains(jobId) ? try await store.cancelSlice(jobId) : try await store.deleteNextBatch(jobId)
            } catch {
                log.error("delete job \(jobId): batch failed: \(error)")
                // Re-read after the await: the reporting connection may have changed.
                running[jobId]?.notify(.sliceProgress(SliceProgress(
                    jobId: jobId, shard: UInt32(store.index), counters: DeleteCounters(), finished: false,
                    errors: [SliceError(recordId: "", message: "shard \(store.index): \(error)")])))
                running[jobId] = nil
                return
            }
            running[jobId]?.notify(.sliceProgress(progress))
            // The batch's events are committed: hand them on without holding up the next batch.
            Task { await publisher.drain() }
            if progress.finished {
                running[jobId] = nil
                return
            }
        }
    }
}
