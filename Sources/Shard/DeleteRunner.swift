import Wire

/// Runs this shard's delete slices batch by batch, reporting progress after
/// each committed batch to whichever coordinator connection assigned it last.
actor DeleteRunner {
    private let store: ShardStore
    private let log: Log
    /// Running jobs and the connection their progress goes to.
    private var running: [String: Connection] = [:]

    init(store: ShardStore, log: Log) {
        self.store = store
        self.log = log
    }

    /// Starts deleting `jobId`'s slice, or points an already running one at `connection`.
    func assign(_ jobId: String, reportingTo connection: Connection) {
        let alreadyRunning = running[jobId] != nil
        running[jobId] = connection
        guard !alreadyRunning else { return }
        Task { await self.run(jobId) }
    }

    private func run(_ jobId: String) async {
        while true {
            let progress: SliceProgress
            do {
                progress = try await store.deleteNextBatch(jobId)
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
            if progress.finished {
                running[jobId] = nil
                return
            }
        }
    }
}
