#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Wire

/// The gateway process, wired together: HTTP in front, the coordinator behind.
struct Gateway {
    let options: GatewayOptions
    let log = Log(process: "gateway")

    /// Serves until SIGTERM or SIGINT.
    func run() async throws {
        var limits = GatewayLimits.standard
        limits.importBodyBytes = options.maxImportBytes
        let layout = options.layout
        try PidFile.makeDirectory(layout.runDirectory, mode: 0o700)
        let runtime = try ProcessRuntime(loopName: "gateway-loop")
        let loop = runtime.loop
        let pid = getpid()
        let events = EventHub(loop: loop)
        let jobs = JobCache()
        let link = PeerLink(
            path: layout.coordinatorSocket, hello: Hello(role: .gateway, pid: pid), loop: loop,
            delegate: GatewayLinkDelegate(events: events, jobs: jobs, log: log), log: log)
        await link.start()
        let secret = try Authenticator.loadSecret(environment: ProcessInfo.processInfo.environment, dataDirectory: layout.dataDirectory)
        let authenticator = Authenticator(verifier: TokenVerifier(secret: secret))
        let router = Routes.make(
            coordinator: CoordinatorClient(link: link, timeout: limits.coordinatorTimeout), jobs: jobs, authenticator: authenticator,
            limits: limits)
        let server = HTTPServer(loop: loop, limits: limits, router: router, events: events, log: log)
        try server.start(host: options.host, port: options.port)
        try PidFile.write(pid, to: layout.pidFile(for: "gateway"))
        log.info("serving http://\(options.host):\(options.port)")

        await runtime.waitForStopSignal(log: log)
        await link.stop()
        PidFile.remove(layout.pidFile(for: "gateway"), ifOwnedBy: pid)
        log.info("stopped")
    }
}
