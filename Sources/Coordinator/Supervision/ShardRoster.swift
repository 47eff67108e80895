import Wire

/// The supervisor's pure state: which shard runs as which process, and what
/// to do when one registers, disconnects or exits.
///
/// Time is an input (`now`), so tests drive it without sleeping. The shell
/// (`ShardSupervisor`) spawns processes and performs the actions.
///
/// A shard's life, as the roster sees it:
/// ```
/// starting ──registered──▶ running ──disconnected──▶ running (not connected)
///     │                       │                            │
///     └────────── exited ─────┴──────────── exited ────────┴──▶ exited ──restart──▶ starting
/// ```
struct ShardRoster {
    enum Phase: Equatable {
        case starting
        case running
        case exited
        case stopping
        /// Restarted too often too quickly: left down until the cluster restarts.
        case failed
    }

    struct Entry: Equatable {
        var phase: Phase = .exited
        var pid: Int32?
        var connected = false
        var restarts = 0
        var startedAt: ContinuousClock.Instant?
        var lastHeard: ContinuousClock.Instant?
        var backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2))
        var intensity = RestartIntensity.standard
    }

    enum ExitAction: Equatable {
        /// Start the shard again once `after` has passed.
        case restart(after: Duration)
        /// Nothing to do: a stale pid, or the cluster is stopping.
        case none
        /// The restart intensity was exceeded: the shard stays down, its jobs fail.
        case giveUp(reason: String)
    }

    enum Registration: Equatable {
        case accept
        case refuse(String)
    }

    /// A connected shard silent this long is hung (stopped, deadlocked) and is killed.
    static let heartbeatTimeout: Duration = .seconds(3)

    /// A shard that ran this long before exiting is restarted without delay again.
    static let stableRunTime: Duration = .seconds(10)

    private(set) var entries: [Entry]
    private(set) var stopping = false

    init(shardCount: Int, intensity: RestartIntensity = .standard) {
        precondition(shardCount > 0, "a cluster has at least one shard")  // configuration bug
        var entry = Entry()
        entry.intensity = intensity
        entries = Array(repeating: entry, count: shardCount)
    }

    var shardCount: Int { entries.count }

    /// A process for `shard` was spawned as `pid`.
    mutating func spawned(_ shard: Int, pid: Int32, at now: ContinuousClock.Instant) {
        entries[shard].pid = pid
        entries[shard].phase = entries[shard].connected ? .running : .starting
        entries[shard].startedAt = now
    }

    /// A process says it is `shard`; only the process we spawned for it may be.
    mutating func registered(_ shard: Int, pid: Int32) -> Registration {
        guard shard >= 0 && shard < entries.count else {
            return .refuse("shard index \(shard) is outside this cluster's 0..<\(entries.count)")
        }
        guard !stopping else { return .refuse("the cluster is stopping") }
        let entry = entries[shard]
        guard entry.pid == pid else {
            return .refuse("shard \(shard) runs as pid \(entry.pid.map(String.init) ?? "none"), not \(pid)")
        }
        guard !entry.connected else { return .refuse("shard \(shard) is already connected") }
        entries[shard].connected = true
        entries[shard].phase = .running
        return .accept
    }

    /// `shard` proved it is alive (a heartbeat, or its registration).
    mutating func heard(_ shard: Int, at now: ContinuousClock.Instant) {
        guard entries.indices.contains(shard) else { return }
        entries[shard].lastHeard = now
    }

    /// Pids of connected shards not heard from within `heartbeatTimeout`.
    ///
    /// ```
    /// heard ──1s──▶ heard ──1s──▶ (stopped) ········3s········▶ overdue: kill
    /// ```
    func overdue(at now: ContinuousClock.Instant) -> [(shard: Int, pid: Int32)] {
        guard !stopping else { return [] }
        return entries.enumerated().compactMap { index, entry in
            guard entry.connected, let pid = entry.pid, let lastHeard = entry.lastHeard,
                lastHeard.duration(to: now) > Self.heartbeatTimeout
            else { return nil }
            return (index, pid)
        }
    }

    /// The connection of `shard`'s process `pid` closed.
    mutating func disconnected(_ shard: Int, pid: Int32) {
        guard entries.indices.contains(shard), entries[shard].pid == pid else { return }
        entries[shard].connected = false
    }

    /// Process `pid` of `shard` exited, telling why with `exit` (nil: killed by a signal).
    mutating func exited(_ shard: Int, pid: Int32, exit: ShardExit?, at now: ContinuousClock.Instant) -> ExitAction {
        guard entries[shard].pid == pid else { return .none }
        entries[shard].connected = false
        entries[shard].pid = nil
        if stopping {
            entries[shard].phase = .exited
            return .none
        }
        entries[shard].phase = .exited
        if let exit, !exit.restartMayHelp {
            // The same process on the same files would end the same way: say so now, not after ten tries.
            entries[shard].phase = .failed
            return .giveUp(reason: "shard \(shard) cannot run: \(exit.explanationWithCode)")
        }
        guard entries[shard].intensity.allowRestart(at: now) else {
            entries[shard].phase = .failed
            let limit = entries[shard].intensity
            let last = exit.map { "; the last time \($0.explanationWithCode)" } ?? ""
            return .giveUp(reason: "shard \(shard) exited more than \(limit.maxRestarts) times within \(limit.window)\(last)")
        }
        entries[shard].restarts += 1
        if let startedAt = entries[shard].startedAt, startedAt.duration(to: now) >= Self.stableRunTime {
            entries[shard].backoff.reset()
        }
        return .restart(after: entries[shard].backoff.nextDelay())
    }

    /// No more restarts from here on; returns the pids still to be stopped.
    mutating func beginShutdown() -> [Int32] {
        stopping = true
        for index in entries.indices where entries[index].pid != nil { entries[index].phase = .stopping }
        return entries.compactMap(\.pid)
    }

    /// Every shard, `up` when its process is connected.
    var health: [ShardHealth] {
        entries.enumerated().map { index, entry in
            ShardHealth(index: UInt32(index), up: entry.connected, pid: entry.pid ?? 0, restarts: UInt32(entry.restarts))
        }
    }
}
