#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Wire
import WireRuntime
import WireTransport

/// The gateway process, wired together: HTTP in front, the coordinator behind.
struct Gateway {
    let options: GatewayOptions
    let log: Log
    let documents: BuiltInDocuments

    init(options: GatewayOptions, documents: BuiltInDocuments) {
        self.options = options
        self.documents = documents
        log = Log(process: "gateway", format: options.logFormat)
    }

    /// Serves until SIGTERM or SIGINT.
    func run() async throws {
        var limits = GatewayLimits.standard
        limits.importBodyBytes = options.maxImportBytes
        limits.readsPerSecond = options.readsPerSecond
        limits.bodyIdleTimeout = options.bodyIdleTimeout
        limits.maxConnectionsPerAddress = options.maxConnectionsPerAddress
        let layout = options.layout
        // First: a gateway without a usable secret says so before it connects to anything.
        let secret = try Authenticator.loadSecret(environment: ProcessInfo.processInfo.environment, dataDirectory: layout.dataDirectory)
        try PidFile.makeDirectory(layout.runDirectory, mode: 0o700)
        let runtime = try ProcessRuntime(loopName: "gateway-loop")
        let (loop, clock) = (runtime.loop, runtime.clock)
        let pid = getpid()
        let jobs = JobCache()
        let metrics = GatewayMetrics()
        // The hub reads the event log through the link, and the link hands the hub what the
        // coordinator pushes: the knot is tied once, before the link starts.
        let linked = Mutex<CoordinatorClient?>(nil)
        let events = EventHub(loop: loop, metrics: metrics, refusals: RefusalLog(log: log), clock: clock) { org, after, limit in
            guard let coordinator = linked.withLock({ $0 }) else { throw ConnectionError.notConnected(layout.coordinatorSocket) }
            return try await coordinator.send(ReadEvents(org: org, after: after, limit: UInt32(limit)))
        }
        let link = PeerLink(
            path: layout.coordinatorSocket, hello: Hello(role: .gateway, pid: pid), loop: loop,
            delegate: GatewayLinkDelegate(events: events, jobs: jobs, log: log), clock: clock, log: log)
        let coordinator = CoordinatorClient(link: link, timeout: limits.coordinatorTimeout)
        linked.withLock { $0 = coordinator }
        let authenticator = Authenticator(verifier: TokenVerifier(secret: secret))
        let router = Routes.make(
            coordinator: coordinator, jobs: jobs, authenticator: authenticator,
            limits: limits, metrics: metrics, documents: documents, clock: clock, log: log)
        let server = HTTPServer(loop: loop, limits: limits, router: router, events: events, metrics: metrics, clock: clock, log: log)
        let (host, port, log) = (options.host, options.port, log)
        // Stopped in reverse: the link first, so that a handler waiting for the
        // coordinator fails at once rather than holding up the stop; the handlers last.
        try await ServiceGroup(
            [
                .init("http handlers") { await server.handlers.run() },
                .init("event catch-up") { await events.fetches.run() },
                .init("http server") {
                    try server.start(host: host, port: port)
                    try PidFile.write(pid, to: layout.pidFile(for: "gateway"))
                    log.info("serving http://\(host):\(port)")
                    await ServiceGroup.untilCancelled()
                    PidFile.remove(layout.pidFile(for: "gateway"), ifOwnedBy: pid)
                },
                .init("coordinator link") { await link.run() },
            ], stopSignals: runtime.stopSignals, log: log
        ).run()
        log.info("stopped")
    }
}
