import Wire
import WireRuntime
import WireTransport

/// The supervisor's pure state: which shard runs as which process, and what
/// to do when one is spawned, registers, falls silent or exits.
///
/// Time is an input (`now`), so tests drive it without sleeping. The shell
/// (`ShardSupervisor`) spawns and kills processes and performs the actions.
///
/// A shard's life, as the roster sees it:
/// ```
///            ┌──────────── exited (back-off) ◀────────────────────────────┐
///            ▼                                                            │
///  spawned ──registered──▶ registered ──connection closed──▶ disconnected ─┤
///     │                     │     ▲                              │        │
///     │ start deadline      │     └────────registered────────────┘        │
///     │                     │ heartbeat silence         start deadline    │
///     └─────────────────────┴──────────▶ overdue (killed) ◀───────────────┘
///
///  exited, restart intensity exceeded ──▶ coolingDown ──cool-down over──▶ spawned
///  exited with a code no restart can cure ──▶ givenUp (its slices fail)
/// ```
/// Every process the roster knows of must be connected, or become so within
/// `startTimeout`: a child that never registers (stopped right after its
/// spawn, hung while opening its database) is killed and started again,
/// like OTP's child start timeout.
struct ShardRoster {
    typealias Instant = ContinuousClock.Instant

    /// Where one shard's process is in its life.
    enum State: Equatable {
        /// Not running: before the first start, or the cluster is stopping.
        case stopped
        /// Spawned as `pid` at `since`; it must register by `since + startTimeout`.
        case spawned(pid: Int32, since: Instant)
        /// Registered and connected; `lastHeard` is its last sign of life.
        case registered(pid: Int32, lastHeard: Instant)
        /// Its connection closed at `since` while the process may live on: it must register again by `since + startTimeout`.
        case disconnected(pid: Int32, since: Instant)
        /// Killed for missing a deadline; its exit is awaited.
        case overdue(pid: Int32)
        /// Exited; started again after the restart back-off.
        case restarting
        /// Exited more often than the restart intensity allows: started again at `until`.
        case coolingDown(until: Instant)
        /// Its exit said that starting it again cannot help: left down, its slices fail.
        case givenUp(reason: String)

        /// The process the roster knows of, if any.
        var pid: Int32? {
            switch self {
            case .spawned(let pid, _), .registered(let pid, _), .disconnected(let pid, _), .overdue(let pid): pid
            case .stopped, .restarting, .coolingDown, .givenUp: nil
            }
        }
    }

    struct Entry: Equatable {
        var state = State.stopped
        var restarts = 0
        var startedAt: Instant?
        var backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2))
        var coolDown = ShardRoster.coolDownBackoff
        var intensity = RestartIntensity.standard
    }

    enum ExitAction: Equatable {
        /// Start the shard again once `after` has passed.
        case restart(after: Duration)
        /// The restart intensity was exceeded: start the shard again after `after`, saying why it waits.
        case coolDown(after: Duration, reason: String)
        /// Nothing to do: a stale pid, or the cluster is stopping.
        case none
        /// Starting it again cannot help (a corrupt or foreign database): the shard stays down, its slices fail.
        case giveUp(reason: String)
    }

    enum Registration: Equatable {
        case accept
        case refuse(String)
    }

    /// A process the roster gave up waiting for, to be killed (its exit then restarts it).
    struct Kill: Equatable {
        let shard: Int
        let pid: Int32
        let reason: String
    }

    /// A registered shard silent this long is hung (stopped, deadlocked) and is killed.
    static let heartbeatTimeout: Duration = .seconds(3)

    /// A spawned (or disconnected) shard must register within this, or it is killed:
    /// long enough to open a database after a crash, short enough that a job barely waits.
    static let startTimeout: Duration = .seconds(10)

    /// A shard that ran this long before exiting is restarted without delay again.
    static let stableRunTime: Duration = .seconds(10)

    /// How long a shard past its restart intensity waits before it is tried again:
    /// 5 s, doubling to 5 min while it keeps failing.
    static let coolDownBackoff = Backoff(initial: .seconds(5), maximum: .seconds(300))

    private(set) var entries: [Entry]
    private(set) var stopping = false

    init(shardCount: Int, intensity: RestartIntensity = .standard) {
        precondition(shardCount > 0, "a cluster has at least one shard")  // configuration bug
        var entry = Entry()
        entry.intensity = intensity
        entries = Array(repeating: entry, count: shardCount)
    }

    var shardCount: Int { entries.count }

    /// The state of `shard`.
    func state(of shard: Int) -> State { entries[shard].state }

    /// Why `shard` was given up on, or nil while it is supervised.
    func failure(of shard: Int) -> String? {
        if case .givenUp(let reason) = entries[shard].state { return reason }
        return nil
    }

    // MARK: - Events

    /// A process for `shard` was spawned as `pid`.
    mutating func spawned(_ shard: Int, pid: Int32, at now: Instant) {
        entries[shard].state = .spawned(pid: pid, since: now)
        entries[shard].startedAt = now
    }

    /// A process says it is `shard`; only the process we spawned for it may be, and only once at a time.
    mutating func registered(_ shard: Int, pid: Int32, at now: Instant) -> Registration {
        guard entries.indices.contains(shard) else {
            return .refuse("shard index \(shard) is outside this cluster's 0..<\(entries.count)")
        }
        guard !stopping else { return .refuse("the cluster is stopping") }
        let state = entries[shard].state
        switch state {
        case .spawned(pid, _), .disconnected(pid, _):
            entries[shard].state = .registered(pid: pid, lastHeard: now)
            return .accept
        case .registered(pid, _):
            return .refuse("shard \(shard) is already connected")
        case .overdue(pid):
            return .refuse("shard \(shard) (pid \(pid)) missed its deadline and is being killed")
        default:
            return .refuse("shard \(shard) runs as pid \(state.pid.map(String.init) ?? "none"), not \(pid)")
        }
    }

    /// `shard` proved it is alive (a heartbeat, or any notice).
    mutating func heard(_ shard: Int, at now: Instant) {
        guard entries.indices.contains(shard), case .registered(let pid, _) = entries[shard].state else { return }
        entries[shard].state = .registered(pid: pid, lastHeard: now)
    }

    /// The connection of `shard`'s process `pid` closed; the process has `startTimeout` to register again.
    mutating func disconnected(_ shard: Int, pid: Int32, at now: Instant) {
        guard entries.indices.contains(shard), case .registered(pid, _) = entries[shard].state else { return }
        entries[shard].state = .disconnected(pid: pid, since: now)
    }

    /// Processes past a deadline, now `overdue`: each is to be killed.
    ///
    /// ```
    /// spawned ·········· startTimeout (10 s) ··········▶ not registered: kill
    /// heard ──1s──▶ heard ──1s──▶ (stopped) ····3s····▶ silent: kill
    /// ```
    mutating func expireDeadlines(at now: Instant) -> [Kill] {
        guard !stopping else { return [] }
        var kills: [Kill] = []
        for shard in entries.indices {
            let reason: String
            switch entries[shard].state {
            case .spawned(_, let since) where since.duration(to: now) > Self.startTimeout:
                reason = "did not register within \(Self.startTimeout) of its start"
            case .disconnected(_, let since) where since.duration(to: now) > Self.startTimeout:
                reason = "did not reconnect within \(Self.startTimeout) of losing its connection"
            case .registered(_, let lastHeard) where lastHeard.duration(to: now) > Self.heartbeatTimeout:
                reason = "sent no heartbeat for \(Self.heartbeatTimeout)"
            default:
                continue
            }
            let pid = entries[shard].state.pid!  // every state matched above has a pid
            entries[shard].state = .overdue(pid: pid)
            kills.append(Kill(shard: shard, pid: pid, reason: reason))
        }
        return kills
    }

    /// Process `pid` of `shard` exited, telling why with `exit` (nil: killed by a signal).
    mutating func exited(_ shard: Int, pid: Int32, exit: ShardExit?, at now: Instant) -> ExitAction {
        guard entries[shard].state.pid == pid else { return .none }
        if stopping {
            entries[shard].state = .stopped
            return .none
        }
        if let exit, !exit.restartMayHelp {
            // The same process on the same files would end the same way: say so now, not after ten tries.
            let reason = "shard \(shard) cannot run: \(exit.explanationWithCode)"
            entries[shard].state = .givenUp(reason: reason)
            return .giveUp(reason: reason)
        }
        entries[shard].restarts += 1
        if let startedAt = entries[shard].startedAt, startedAt.duration(to: now) >= Self.stableRunTime {
            entries[shard].backoff.reset()
            entries[shard].coolDown.reset()
        }
        guard entries[shard].intensity.allowRestart(at: now) else {
            // Too many too quickly: wait, then try again with a fresh intensity; its slices wait meanwhile.
            let limit = entries[shard].intensity
            entries[shard].intensity = RestartIntensity(maxRestarts: limit.maxRestarts, window: limit.window)
            let delay = entries[shard].coolDown.nextDelay()
            entries[shard].state = .coolingDown(until: now + delay)
            let last = exit.map { "; the last time \($0.explanationWithCode)" } ?? ""
            return .coolDown(after: delay, reason: "shard \(shard) exited more than \(limit.maxRestarts) times within \(limit.window)\(last)")
        }
        entries[shard].state = .restarting
        return .restart(after: entries[shard].backoff.nextDelay())
    }

    /// No more restarts from here on; returns the pids still to be stopped.
    mutating func beginShutdown() -> [Int32] {
        stopping = true
        for shard in entries.indices where entries[shard].state.pid == nil { entries[shard].state = .stopped }
        return entries.compactMap(\.state.pid)
    }

    /// True while some process is still to exit.
    var hasProcesses: Bool { entries.contains { $0.state.pid != nil } }

    /// Every shard, `up` when its process is registered.
    var health: [ShardHealth] {
        entries.enumerated().map { index, entry in
            var up = false
            if case .registered = entry.state { up = true }
            return ShardHealth(index: UInt32(index), up: up, pid: entry.state.pid ?? 0, restarts: UInt32(entry.restarts))
        }
    }
}
