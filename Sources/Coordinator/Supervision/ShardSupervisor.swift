#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Wire
import WireRuntime
import WireTransport

/// Starts the shard processes, restarts them when they exit, and answers
/// for their health: the shell around `ShardRoster`.
///
/// Children start in index order and stop together on shutdown (SIGTERM,
/// a deadline, then SIGKILL); its loops run as the coordinator's `services`.
/// Every log line names the supervisor, the shard, the reason and the
/// offending pid.
actor ShardSupervisor {
    private var roster: ShardRoster
    private let layout: ClusterLayout
    private let shardExecutable: String
    /// Where the shards keep their partitions (`--storage`), passed to each.
    private let storage: StorageChoice
    private let map: PartitionMap
    private let loop: EventLoop
    private let log: Log
    private var connections: [Int: Connection] = [:]
    private let clock: any ProcessClock

    /// What happens to the children outside this actor (an exit seen on the loop thread, a
    /// failed spawn to try again), handled by `superviseChildren`.
    private enum ChildEvent: Sendable {
        case exited(shard: Int, pid: Int32, status: Int32)
        case startFailed(shard: Int)
    }

    private nonisolated let childEvents = AsyncStream.makeStream(of: ChildEvent.self)

    /// How long a health ping may take before the shard counts as down.
    static let pingTimeout: Duration = .milliseconds(500)
    /// How long stopping shards get after SIGTERM before SIGKILL.
    static let stopDeadline: Duration = .seconds(5)

    init(
        map: PartitionMap, layout: ClusterLayout, shardExecutable: String, storage: StorageChoice = .sqlite, intensity: RestartIntensity,
        loop: EventLoop, clock: any ProcessClock = SystemClock(), log: Log
    ) {
        roster = ShardRoster(shardCount: map.ranges.count, intensity: intensity)
        self.map = map
        self.layout = layout
        self.shardExecutable = shardExecutable
        self.storage = storage
        self.loop = loop
        self.clock = clock
        self.log = log
    }

    var shardCount: Int { roster.shardCount }

    /// How often deadlines (registration, heartbeats) are checked.
    static let watchdogInterval: Duration = .milliseconds(250)

    /// Spawns every shard, in index order.
    func startAll() async {
        for shard in 0..<roster.shardCount { await start(shard) }
    }

    /// The coordinator's services that keep the shards: exits and restarts are handled for as
    /// long as shutting the shards down takes, so they are stopped after it.
    nonisolated var services: [ServiceGroup.Service] {
        [
            .init("shard exits") { await self.superviseChildren() },
            .init("shard watchdog", run: { await self.watchDeadlines() }, shutdown: { await self.shutdown() }),
        ]
    }

    /// Handles each child's exit (and its restart after a back-off), and each failed spawn's retry,
    /// as child tasks of this loop, until cancelled.
    private func superviseChildren() async {
        await withDiscardingTaskGroup { group in
            for await event in childEvents.stream {
                switch event {
                case .exited(let shard, let pid, let status):
                    group.addTask { await self.exited(shard, pid: pid, status: status) }
                case .startFailed(let shard):
                    group.addTask {
                        // Cut short by the shutdown: a shard started now would only be stopped again.
                        guard (try? await self.clock.sleep(for: .seconds(1))) != nil else { return }
                        await self.start(shard)
                    }
                }
            }
        }
    }

    // MARK: - Registration

    /// Decides whether a connecting shard is the process we spawned for its index.
    func admit(_ hello: Hello, connection: Connection) -> Result<Welcome, Refusal> {
        guard let index = hello.shardIndex else { return .failure(Refusal(reason: "a shard must name its index")) }
        switch roster.registered(Int(index), pid: hello.pid, at: clock.now) {
        case .accept:
            connections[Int(index)] = connection
            log.info("supervisor: shard \(index) registered (pid \(hello.pid))")
            return .success(Welcome(role: .coordinator, shardCount: UInt32(roster.shardCount)))
        case .refuse(let reason):
            return .failure(Refusal(reason: reason))
        }
    }

    /// Why `shard` was given up on (no restart can cure it), or nil while it is supervised.
    func failure(of shard: Int) -> String? {
        roster.failure(of: shard).map { "\($0); its own lines (\(ClusterLayout.shardName(shard))) are in \(layout.logsDirectory)/coordinator.log" }
    }

    /// The live connection of `shard`, if it is registered.
    func connection(for shard: Int) -> Connection? { connections[shard] }

    func heard(_ shard: Int) {
        roster.heard(shard, at: clock.now)
    }

    func disconnected(_ shard: Int, pid: Int32) {
        roster.disconnected(shard, pid: pid, at: clock.now)
        connections[shard] = nil
        log.warning("supervisor: shard \(shard) (pid \(pid)) disconnected")
    }

    // MARK: - Health

    /// Pings every connected shard at once; a shard is up when it answers in time.
    func health() async -> ClusterHealth {
        var report = roster.health
        let live = connections
        let answered = await withTaskGroup(of: Int?.self) { group in
            for (shard, connection) in live {
                group.addTask {
                    // Up: it answers, and so does its storage.
                    guard let status = try? await connection.call(Ping(), as: \.coordinatorCall, timeout: Self.pingTimeout), status.storageReachable
                    else { return nil }
                    return shard
                }
            }
            var answered: Set<Int> = []
            for await shard in group { if let shard { answered.insert(shard) } }
            return answered
        }
        for index in report.indices { report[index].up = report[index].up && answered.contains(index) }
        return ClusterHealth(shards: report)
    }

    // MARK: - Processes

    private func start(_ shard: Int) async {
        let name = ClusterLayout.shardName(shard)
        do {
            let pid = try await spawn(shard)
            // Re-check after the await: shutdown may have begun meanwhile.
            guard !roster.stopping else {
                kill(pid, SIGTERM)
                return
            }
            roster.spawned(shard, pid: pid, at: clock.now)
            try PidFile.write(pid, to: layout.pidFile(for: name))
            log.info("supervisor: started \(name) as pid \(pid)")
        } catch {
            log.error("supervisor: starting \(name) failed: \(error); retrying in 1 s")
            childEvents.continuation.yield(.startFailed(shard: shard))
        }
    }

    /// Spawns on the loop thread, which outlives every child (see `ChildProcess.spawn`).
    private func spawn(_ shard: Int) async throws -> Int32 {
        let arguments = [
            "--data", layout.dataDirectory, "--index", "\(shard)", "--shards", "\(roster.shardCount)", "--slots", "\(map.ranges[shard])",
            "--parent-pid", "\(getpid())", "--log-format", log.format.rawValue,
        ] + storage.arguments
        let executable = shardExecutable
        let environment = ShardEnvironment.variables(inherited: ProcessInfo.processInfo.environment, storage: storage, shard: shard)
        let output = "\(layout.logsDirectory)/\(ClusterLayout.shardName(shard)).log"
        let (loop, childEvents) = (loop, childEvents.continuation)
        return try await withCheckedThrowingContinuation { continuation in
            loop.execute {
                do {
                    let pid = try ChildProcess.spawn(executable: executable, arguments: arguments, environment: environment, output: output)
                    _ = try ChildWatcher(pid: pid, loop: loop) { status in
                        childEvents.yield(.exited(shard: shard, pid: pid, status: status))
                    }
                    continuation.resume(returning: pid)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func exited(_ shard: Int, pid: Int32, status: Int32) async {
        let name = ClusterLayout.shardName(shard)
        PidFile.remove(layout.pidFile(for: name), ifOwnedBy: pid)
        connections[shard]?.close()
        connections[shard] = nil
        switch roster.exited(shard, pid: pid, exit: ShardExit(waitStatus: status), at: clock.now) {
        case .none:
            log.info("supervisor: \(name) (pid \(pid)) exited with \(ChildProcess.describe(status: status))")
        case .giveUp(let reason):
            log.error("supervisor: \(name) (pid \(pid)) died with \(ChildProcess.describe(status: status)); \(reason): giving up on it, its jobs fail")
        case .coolDown(let delay, let reason):
            log.error(
                "supervisor: \(name) (pid \(pid)) died with \(ChildProcess.describe(status: status)); \(reason): cooling down, "
                    + "starting it again in \(delay); its slices wait")
            await restart(shard, after: delay)
        case .restart(let delay):
            log.warning("supervisor: \(name) (pid \(pid)) died with \(ChildProcess.describe(status: status)); restarting in \(delay)")
            await restart(shard, after: delay)
        }
    }

    private func restart(_ shard: Int, after delay: Duration) async {
        try? await clock.sleep(for: delay)
        // Re-check after the sleep: shutdown may have begun.
        guard !roster.stopping else { return }
        await start(shard)
    }

    /// Kills shards that missed a deadline (never registered, fell silent); their exit then
    /// restarts them. Until cancelled; it finds nothing once the shutdown has begun.
    private func watchDeadlines() async {
        while !Task.isCancelled {
            try? await clock.sleep(for: Self.watchdogInterval)
            for overdue in roster.expireDeadlines(at: clock.now) {
                log.error("supervisor: shard \(overdue.shard) (pid \(overdue.pid)) \(overdue.reason); killing it")
                connections[overdue.shard]?.close()
                connections[overdue.shard] = nil
                kill(overdue.pid, SIGKILL)
                // A stopped process acts on nothing until it is continued.
                kill(overdue.pid, SIGCONT)
            }
        }
    }

    /// Stops every shard: SIGTERM, then SIGKILL for any still alive at the deadline.
    private func shutdown() async {
        let pids = roster.beginShutdown()
        for pid in pids {
            kill(pid, SIGTERM)
            // A stopped shard would hold its SIGTERM until the deadline.
            kill(pid, SIGCONT)
        }
        let deadline = clock.now + Self.stopDeadline
        while clock.now < deadline, roster.hasProcesses {
            try? await clock.sleep(for: .milliseconds(20))
        }
        for entry in roster.entries {
            guard let pid = entry.state.pid else { continue }
            log.warning("supervisor: pid \(pid) ignored SIGTERM for \(Self.stopDeadline); killing it")
            kill(pid, SIGKILL)
        }
    }
}
