import Wire
import WireRuntime

/// Purges what restorable deletes kept once their restore window ended, in the background: the
/// coordinator asks each shard (`purgeKept`), the store records the request durably
/// (`requestPurge`), and this loop removes the kept rows in short steps (`purgeNextBatch`), each
/// one transaction, until no request is left. A service of the shard process.
///
/// It takes turns with the job batches and imports queued for the store: after each step it
/// pauses as long as the step took, so what arrived meanwhile goes first, and the purge takes at
/// most half of the writer's time while jobs run. Reads never wait for it (SQLite's readers
/// see the last commit; PostgreSQL's too). A restart loses nothing: the requests are rows, and
/// each step removes the next kept rows, so the loop carries on where the last commit left it.
struct PurgeLoop: Sendable {
    private let store: any PartitionStore
    private let metrics: ShardMetrics
    private let clock: any ProcessClock
    private let log: Log
    /// Wakes the loop when a purge is requested; one waiting stands for any number.
    private let requested = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

    /// Kept contacts (each with its conversations, messages and applications), or applications,
    /// a step removes: a transaction of a few milliseconds, far below a delete batch's target.
    static let stepSize = 200
    /// Rows past which a step takes no further contact: 200 contacts of a thousand messages each
    /// were one transaction of 200,000 rows, holding SQLite's writer for seconds.
    static let stepRows = 5_000
    /// The shortest pause between two steps, however fast a step was.
    static let shortestPause: Duration = .milliseconds(5)
    /// How long the loop waits after a step failed (its storage away or failing) to try again.
    static let retryDelay: Duration = .seconds(1)

    init(store: any PartitionStore, metrics: ShardMetrics, clock: any ProcessClock, log: Log) {
        self.store = store
        self.metrics = metrics
        self.clock = clock
        self.log = log
    }

    /// A purge was requested: the loop runs until none is left.
    func wake() { requested.continuation.yield() }

    /// Purges what was requested before this start (requests outlive the process), then whatever
    /// is requested later, until cancelled (between two steps).
    func run() async {
        wake()
        for await _ in requested.stream {
            await purgeUntilNoneIsLeft()
        }
    }

    private func purgeUntilNoneIsLeft() async {
        var failing = false
        while !Task.isCancelled {
            let started = clock.now
            do {
                let purged = try await store.purgeNextBatch(limit: Self.stepSize, rows: Self.stepRows)
                if failing { log.info("purging kept records works again") }
                failing = false
                guard purged > 0 else { return }
                metrics.purged(records: purged)
            } catch {
                if !failing { log.warning("purging kept records failed: \(error); trying again every \(Self.retryDelay)") }
                failing = true
                try? await clock.sleep(for: Self.retryDelay)
                continue
            }
            try? await clock.sleep(for: max(clock.now - started, Self.shortestPause))
        }
    }
}
