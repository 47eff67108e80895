import Wire
import WireRuntime

/// Gives every pending slice to its shard, and again whenever that shard's
/// connection is a new one (a restarted shard, a reconnect, a restarted
/// coordinator): assignments are idempotent, so the shard resumes. A
/// cancelling job's slices are sent a cancel instead, the same way.
actor JobDispatcher {
    private let registry: JobRegistry
    private let supervisor: ShardSupervisor
    private let clock: any ProcessClock
    private let log: Log
    /// The connection each (job, shard) slice was last given to.
    private var assignedTo: [String: UInt64] = [:]
    /// The connection each slice was last offered to, answered or not: a new one means a new process.
    private var offeredTo: [String: UInt64] = [:]
    /// Dispatches asked for between rounds (a job created, a cancel), each run at once.
    private nonisolated let requests = AsyncStream.makeStream(of: Void.self)

    /// How often pending slices are checked against live connections.
    static let interval: Duration = .milliseconds(200)

    init(registry: JobRegistry, supervisor: ShardSupervisor, clock: any ProcessClock = SystemClock(), log: Log) {
        self.registry = registry
        self.supervisor = supervisor
        self.clock = clock
        self.log = log
    }

    /// A slice's key: running and stopping it are separate deliveries.
    private static func key(_ jobId: String, _ shard: Int, _ cancelling: Bool) -> String {
        "\(jobId)/\(shard)\(cancelling ? "/cancel" : "")"
    }

    /// A round now, beside the periodic ones, without waiting for it: a new job or a cancel
    /// reaches the shards at once rather than at the next round.
    nonisolated func dispatchSoon() {
        requests.continuation.yield()
    }

    /// A round every `interval`, and one at each `dispatchSoon`, as child tasks of this loop
    /// (a service of the coordinator), until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                await self.clock.every(Self.interval) { await self.dispatch() }
            }
            for await _ in requests.stream {
                group.addTask { await self.dispatch() }
            }
        }
    }

    /// Assigns each pending slice whose shard is connected on a connection that has not had it yet.
    private func dispatch() async {
        let work = await registry.pendingWork()
        // Forget slices that are no longer pending, so the map stays as small as the work.
        let pending = Set(work.flatMap { item in item.shards.map { Self.key(item.assignment.jobId, $0, item.cancelling) } })
        assignedTo = assignedTo.filter { pending.contains($0.key) }
        offeredTo = offeredTo.filter { pending.contains($0.key) }
        for (assignment, shards, cancelling) in work {
            for shard in shards {
                if let reason = await supervisor.failure(of: shard) {
                    // Nothing will ever run this slice: it fails, and with it the job.
                    let failed = SliceProgress(jobId: assignment.jobId, shard: UInt32(shard), counters: DeleteCounters(), outcome: .failed(reason: reason))
                    try? await registry.apply(failed)
                    continue
                }
                guard let connection = await supervisor.connection(for: shard) else { continue }
                let key = Self.key(assignment.jobId, shard, cancelling)
                // A serial, not the object's address: a restarted shard's new
                // connection may reuse a freed one's address and look already served.
                let identity = connection.serial
                guard assignedTo[key] != identity else { continue }
                assignedTo[key] = identity
                if let previous = offeredTo[key], previous != identity, !cancelling {
                    try? await registry.sliceRestarted(jobId: assignment.jobId, shard: shard)
                }
                offeredTo[key] = identity
                do {
                    let progress =
                        cancelling
                        ? try await connection.call(CancelSlice(jobId: assignment.jobId), as: \.coordinatorCall)
                        : try await connection.call(assignment, as: \.coordinatorCall)
                    try await registry.apply(progress)
                } catch {
                    // Re-check after the await: try again on the next round.
                    assignedTo[key] = nil
                    log.warning("assigning job \(assignment.jobId) to shard \(shard): \(error)", job: assignment.jobId)
                }
            }
        }
    }
}
