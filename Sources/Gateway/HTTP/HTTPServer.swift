#if canImport(Glibc)
import Glibc
#endif
import WireRuntime
import WireTransport

/// The gateway's HTTP/1.1 server: one epoll loop thread owns every client
/// socket; handlers run as tasks and hand their responses back to the loop.
///
/// Why an epoll loop and not a pool of blocking worker threads: a keep-alive
/// client that sends nothing would pin a worker, so a pool of N serves at most
/// N idle clients; the loop holds thousands of idle connections at the cost of
/// a registration each, and an answered poll costs one read and one send.
final class HTTPServer: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `connections` and `listener` are
    // touched only on `loop`'s thread; the rest is immutable.
    let loop: EventLoop
    let limits: GatewayLimits
    let router: Router
    let log: Log
    /// Server-Sent Events subscribers and where each stands in the event log.
    let events: EventHub
    let metrics: GatewayMetrics
    /// What time-outs are measured by: tests move a `ManualClock` and `sweep()`.
    let clock: any ProcessClock
    /// The route handlers running; `handlers.run()` is a service of the gateway.
    let handlers = ChildTasks()
    private var connections: [Int32: HTTPConnection] = [:] {
        didSet { metrics.metrics.set(GatewayMetrics.openConnections, Double(connections.count)) }
    }
    private var listener: Listener?
    private var perAddress: ConnectionsPerAddress

    /// How often idle and slow connections are looked for.
    static let sweepInterval: Duration = .seconds(1)

    /// Sweeps between keep-alive comments on event streams.
    static let eventKeepAliveSweeps = 15
    private var sweeps = 0

    init(
        loop: EventLoop, limits: GatewayLimits, router: Router, events: EventHub, metrics: GatewayMetrics = GatewayMetrics(),
        clock: any ProcessClock = SystemClock(), log: Log
    ) {
        self.loop = loop
        self.clock = clock
        self.metrics = metrics
        self.events = events
        self.limits = limits
        self.router = router
        self.log = log
        perAddress = ConnectionsPerAddress(limit: limits.maxConnectionsPerAddress)
    }

    /// Binds at once (so a taken port fails here), then serves on the loop.
    /// Returns the bound port: the kernel's choice when `port` is 0.
    @discardableResult
    func start(host: String, port: UInt16) throws -> UInt16 {
        let fd = try Socket.listenTCP(host: host, port: port)
        let boundPort = try Socket.localPort(fd)
        loop.execute { [self] in
            let listener = Listener(fd: fd, loop: loop, label: "\(host):\(port)", log: log) { [weak self] client in
                guard let self else {
                    close(client)
                    return
                }
                accept(client)
            }
            do {
                try listener.activate()
                self.listener = listener
                scheduleSweep()
            } catch {
                log.error("serving \(host):\(port): \(error)")
            }
        }
        return boundPort
    }

    private func accept(_ fd: Int32) {
        guard connections.count < limits.maxConnections else { return refuse(fd, .tooManyConnections(limit: limits.maxConnections)) }
        // A socket reset before it is looked at has no address: it is counted under "" like any other.
        let address = PeerAddress.of(fd) ?? ""
        guard perAddress.admit(address) else { return refuse(fd, .tooManyConnectionsFromAddress(limit: limits.maxConnectionsPerAddress)) }
        let connection = HTTPConnection(fd: fd, server: self) { [weak self] in
            self?.connections[fd] = nil
            self?.perAddress.release(address)
        }
        connections[fd] = connection
        connection.activate()
    }

    /// Best effort: the client learns why before the socket closes.
    private func refuse(_ fd: Int32, _ error: APIError) {
        let refusal = error.response.serialized(keepAlive: false)
        _ = refusal.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        close(fd)
    }

    /// The bytes written to each connection that its client has not taken yet; on the loop thread.
    var unsentBytesPerConnection: [Int] {
        loop.assertInLoop()
        return connections.values.map(\.unsentBytes)
    }

    /// Connections in the middle of a request (some of it has arrived); on the loop thread.
    var connectionsReceiving: Int {
        loop.assertInLoop()
        return connections.values.count(where: \.isReceiving)
    }

    private func scheduleSweep() {
        loop.schedule(after: Self.sweepInterval) { [self] in
            sweep()
            scheduleSweep()
        }
    }

    /// Expires what is overdue by `clock`, and now and then keeps event streams alive; on the loop thread.
    func sweep() {
        loop.assertInLoop()
        let now = clock.now
        for connection in Array(connections.values) { connection.expireIfOverdue(at: now) }
        sweeps += 1
        if sweeps % Self.eventKeepAliveSweeps == 0 { events.keepAlive() }
    }
}
