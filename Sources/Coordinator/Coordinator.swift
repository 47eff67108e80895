#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Wire
import WireRuntime
import WireTransport

/// The coordinator process, wired together: its socket, its supervisor, its shutdown.
struct Coordinator {
    let options: CoordinatorOptions
    let log: Log

    init(options: CoordinatorOptions) {
        self.options = options
        log = Log(process: "coordinator", format: options.logFormat)
    }

    /// How often finished jobs and events older than their retention are forgotten.
    static let sweepInterval: Duration = .seconds(60)

    /// Runs until SIGTERM or SIGINT, then stops the shards and returns.
    func run() async throws {
        let layout = options.layout
        try PidFile.makeDirectory(layout.runDirectory, mode: 0o700)
        try PidFile.makeDirectory(layout.shardsDirectory, mode: 0o700)
        try PidFile.makeDirectory(layout.logsDirectory, mode: 0o700)
        let options = options
        let map = try await CoordinatorStores.waitingForTheServer("the partition map", log: log) { try CoordinatorStores.partitionMap(options) }
        let runtime = try ProcessRuntime(loopName: "coordinator-loop")
        let (loop, clock) = (runtime.loop, runtime.clock)
        let supervisor = ShardSupervisor(
            map: map, layout: layout, shardExecutable: options.shardExecutable, storage: options.storage, intensity: options.intensity,
            loop: loop, clock: clock, log: log)
        let gateways = GatewayHub()
        let (logged, loggedFeed) = AsyncStream.makeStream(of: [LoggedEvent].self)
        let (changed, changedFeed) = AsyncStream.makeStream(of: JobDocument.self)
        let eventStorage = try await CoordinatorStores.waitingForTheServer("the event log", log: log) { try CoordinatorStores.events(options) }
        let events = EventLog(storage: eventStorage) { loggedFeed.yield($0) }
        let registryStorage = try await CoordinatorStores.waitingForTheServer("the job registry", log: log) { try CoordinatorStores.registry(options) }
        let registry = try JobRegistry(
            storage: registryStorage, shardCount: map.ranges.count, clock: clock, restoreWindow: options.restoreWindow
        ) { changedFeed.yield($0) }
        let dispatcher = JobDispatcher(registry: registry, supervisor: supervisor, clock: clock, log: log)
        let router = ShardRouter(map: map, supervisor: supervisor)
        let purges = PurgeSchedule(registry: registry, shardCount: map.ranges.count, clock: clock, log: log) { shard, jobId in
            try await router.ask(shard, PurgeKept(jobId: jobId))
        }
        let service = CoordinatorService(
            supervisor: supervisor, router: router, registry: registry, dispatcher: dispatcher, gateways: gateways, events: events,
            metrics: CoordinatorMetrics(), log: log, refusals: RefusalLog(log: log))
        let connections = ChildTasks()
        try await listen(on: layout.coordinatorSocket, loop: loop, clock: clock, service: service, connections: connections)
        let pid = getpid()
        try PidFile.write(pid, to: layout.pidFile(for: "coordinator"))
        let window = options.restoreWindow
        let restorable =
            window.makesEveryDeletePermanent ? "every delete is permanent (restore window 0)" : "deletes are restorable for \(window)"
        log.info("listening on \(layout.coordinatorSocket); starting \(options.shardCount) shards; \(restorable)")
        await supervisor.startAll()
        let log = log
        // Ordered streams, each drained by one service: events reach the gateways in log order,
        // and job documents reach the log in the order they changed. Stopped in reverse: no
        // purge, sweep or dispatch once the shards are stopping, then the feeds, and the peers'
        // connections last, so that progress the shards send while they stop is still heard.
        try await ServiceGroup(
            [
                .init("connections") { await connections.run() },
                .init("event feed") {
                    for await batch in logged { await gateways.broadcast(.events(batch)) }
                },
                .init("job lifecycle feed") {
                    var lifecycle = JobLifecycle()
                    for await document in changed {
                        for line in lifecycle.lines(for: document) { log.info(line, job: document.jobId, org: document.org) }
                        do {
                            try await events.append(progressOf: document)
                        } catch {
                            log.error("logging progress of job \(document.jobId): \(error)", job: document.jobId)
                        }
                    }
                },
            ] + supervisor.services + [
                .init("job dispatcher") { await dispatcher.run() },
                .init("sweeper") { await Self.sweep(registry, events, clock: clock, log: log) },
                .init("purge schedule") { await purges.run() },
            ], stopSignals: runtime.stopSignals, log: log
        ).run()
        PidFile.remove(layout.pidFile(for: "coordinator"), ifOwnedBy: pid)
        unlink(layout.coordinatorSocket)
        log.info("stopped")
    }

    /// Forgets finished jobs and events past their retention, every `sweepInterval`, until cancelled.
    private static func sweep(_ registry: JobRegistry, _ events: EventLog, clock: any ProcessClock, log: Log) async {
        await clock.every(sweepInterval) {
            // Wall-clock milliseconds, as the documents' and events' own stamps are.
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            do {
                try await registry.sweep(now: now)
                try await events.prune(now: now)
            } catch {
                log.error("sweeping old jobs and events: \(error)")
            }
        }
    }

    /// Accepts connections on the loop thread; only processes of our own user may connect. Each
    /// connection reads as a child of `connections`.
    private func listen(on path: String, loop: EventLoop, clock: any ProcessClock, service: CoordinatorService, connections: ChildTasks) async throws {
        let fd = try Socket.listenUnix(path: path)
        let log = log
        let ownUID = getuid()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            loop.execute {
                var accepted = 0
                let listener = Listener(fd: fd, loop: loop, label: path, log: log) { client in
                    guard let peer = try? Socket.peerCredentials(client), peer.uid == ownUID else {
                        log.warning("\(path): refused a connection from another user")
                        close(client)
                        return
                    }
                    accepted += 1
                    let connection = Connection(
                        fd: client, label: "\(path)#\(accepted) (pid \(peer.pid))", loop: loop,
                        side: .accepting(admit: { hello, connection in
                            if let refusal = CoordinatorService.checkDeclared(hello, peerPid: peer.pid) { return .failure(refusal) }
                            return await service.admit(hello, connection: connection)
                        }),
                        delegate: service, clock: clock, log: log)
                    // Accepted as the coordinator stops: nothing will read it.
                    if !connections.add({ await connection.run() }) { connection.close() }
                }
                do {
                    try listener.activate()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
