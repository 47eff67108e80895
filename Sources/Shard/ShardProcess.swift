#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Wire
import WireRuntime
import WireTransport

/// The shard process, wired together: tied to its coordinator's life, connected
/// to it, answering it, and sending heartbeats.
struct ShardProcess {
    let options: ShardOptions
    let log: Log

    /// Heartbeats go out this often; the supervisor kills a shard silent for `ShardRoster.heartbeatTimeout`.
    static let heartbeatInterval: Duration = .seconds(1)

    init(options: ShardOptions) {
        self.options = options
        log = Log(process: ClusterLayout.shardName(options.index), format: options.logFormat)
    }

    /// Runs until SIGTERM or SIGINT.
    func run() async throws {
        // Die with the coordinator; and if it died before this call, die now.
        tether_set_parent_death_signal(SIGKILL)
        guard getppid() == options.parentPID else {
            log.error("parent \(options.parentPID) is gone; exiting")
            exit(1)
        }
        // A database made for another shard or slot range is refused: exit non-zero.
        let (store, readers) = try options.openPartition()
        let runtime = try ProcessRuntime(loopName: "shard-loop")
        let pid = getpid()
        let publisher = OutboxPublisher(store: store, log: log)
        let metrics = ShardMetrics()
        let clock = runtime.clock
        let runner = SliceRunner(store: store, publisher: publisher, metrics: metrics, clock: clock, log: log)
        let purges = PurgeLoop(store: store, metrics: metrics, clock: clock, log: log)
        let link = PeerLink(
            path: options.layout.coordinatorSocket,
            hello: Hello(role: .shard, shardIndex: UInt32(options.index), pid: pid),
            loop: runtime.loop,
            delegate: ShardService(
                index: options.index, pid: pid, store: store, readers: readers, runner: runner, metrics: metrics, purges: purges),
            clock: clock, log: log)
        await publisher.attach(link)
        let log = log
        // Stopped in reverse: no heartbeat, housekeeping, purge or batch runs once the link is closed,
        // and the storage closes last.
        try await ServiceGroup(
            [
                .onShutdown("storage") { await Self.close(store, log: log) },
                .init("coordinator link") { await link.run() },
                .init("outbox publisher") { await publisher.run() },
                .init("slice runner") { await runner.run() },
                .init("purge") { await purges.run() },
                .init("idle housekeeping") { await Self.tidyWhenIdle(store, metrics: metrics, clock: clock, log: log) },
                .init("heartbeats") { await Self.sendHeartbeats(over: link, publisher: publisher, clock: clock) },
            ], stopSignals: runtime.stopSignals, log: log
        ).run()
    }

    private static func close(_ store: any PartitionStore, log: Log) async {
        do {
            try await store.close()
        } catch {
            log.warning("closing the shard's storage failed on the way out: \(error); the next start tidies it (SQLite: checkpoints the WAL)")
        }
    }

    /// Heartbeats, and a drain of the outbox with each: events left by a
    /// restart or an unreachable coordinator are published within a second.
    static func sendHeartbeats(over link: PeerLink, publisher: OutboxPublisher, clock: any ProcessClock) async {
        var sequence: UInt64 = 0
        await clock.every(heartbeatInterval) {
            sequence += 1
            await link.current?.notify(.heartbeat(sequence: sequence))
            publisher.requestDrain()
        }
    }

    /// How often the store is asked whether its writes have paused (to truncate SQLite's WAL
    /// then), and, while its database server is away, to reach it again.
    static let idleCheckpointInterval: Duration = .seconds(1)

    /// Its own loop, not the heartbeat's: a long batch holds the store, and must not hold up the
    /// heartbeats. A failure is logged when it starts and when it ends, not every second. Space
    /// is given back a step a call, so a batch or an import queued for the store goes between steps.
    private static func tidyWhenIdle(_ store: any PartitionStore, metrics: ShardMetrics, clock: any ProcessClock, log: Log) async {
        var failing = false
        await clock.every(idleCheckpointInterval) {
            do {
                try await store.checkpointIfIdle()
                // The system's time, not `clock`'s: the store stamps its writes with it, and idleness
                // is measured from those stamps.
                var freed = try await store.reclaimSpaceStep(at: .now)
                while freed > 0, !Task.isCancelled {
                    metrics.reclaimed(bytes: freed)
                    freed = try await store.reclaimSpaceStep(at: .now)
                }
                if failing { log.info("the shard's storage answers again") }
                failing = false
            } catch {
                if !failing { log.warning("idle housekeeping of the shard's storage failed: \(error); trying again every \(idleCheckpointInterval)") }
                failing = true
            }
        }
    }
}
