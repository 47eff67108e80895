package import Wire
package import WireRuntime
import Synchronization

/// Keeps one connection to a peer's Unix socket alive: connects, and when the
/// peer goes away reconnects with exponential back-off, for as long as `run` runs.
package actor PeerLink {
    package nonisolated let path: String
    private let hello: Hello
    private let loop: EventLoop
    private let delegate: any ConnectionDelegate
    private let limits: WireLimits
    private let log: Log
    private let clock: any ProcessClock
    private var backoff: Backoff
    private var connection: Connection?
    private var welcome: Welcome?
    /// The live connection, for the cancellation handler, which cannot wait for the actor.
    private nonisolated let live = Mutex<Connection?>(nil)
    private var connectedWaiters: [CheckedContinuation<Void, Never>] = []

    package init(path: String, hello: Hello, loop: EventLoop, delegate: any ConnectionDelegate, backoff: Backoff = .reconnect, limits: WireLimits = .standard, clock: any ProcessClock = SystemClock(), log: Log) {
        self.path = path
        self.hello = hello
        self.loop = loop
        self.delegate = delegate
        self.backoff = backoff
        self.limits = limits
        self.clock = clock
        self.log = log
    }

    /// Connects and reconnects until cancelled (a service of the process that owns the link);
    /// cancelling closes the live connection.
    package func run() async {
        await withTaskCancellationHandler {
            await maintain()
        } onCancel: {
            live.withLock { $0 }?.close()
        }
    }

    /// The live connection, if any.
    package var current: Connection? { connection }

    /// What the peer said when the current connection opened.
    package var peerWelcome: Welcome? { welcome }

    /// Makes `call` over the live connection (see `Connection.call`); throws `notConnected` while reconnecting.
    package func call<C: Call, Family: CallFamily>(
        _ call: C, as family: @Sendable (C) -> Family, timeout: Duration? = nil
    ) async throws -> C.Reply {
        guard let connection else { throw ConnectionError.notConnected(path) }
        return try await connection.call(call, as: family, timeout: timeout)
    }

    /// Returns once a connection is open (at once when one is).
    package func waitUntilConnected() async {
        if connection != nil { return }
        await withCheckedContinuation { connectedWaiters.append($0) }
    }

    private func maintain() async {
        var lastFailure = ""
        while !Task.isCancelled {
            do {
                try await Connection.connect(path: path, hello: hello, loop: loop, delegate: delegate, limits: limits, clock: clock, log: log) {
                    connection, welcome in
                    log.info("connected to \(welcome.role) at \(path)")
                    self.connection = connection
                    self.welcome = welcome
                    live.withLock { $0 = connection }
                    // A cancel that came before `live` was set found nothing to close.
                    if Task.isCancelled { connection.close() }
                    backoff.reset()
                    lastFailure = ""
                    for waiter in connectedWaiters { waiter.resume() }
                    connectedWaiters = []
                    await connection.waitUntilClosed()
                    // The connection is over: calls fail as not connected until the next one opens.
                    self.connection = nil
                    self.welcome = nil
                    live.withLock { $0 = nil }
                }
                if Task.isCancelled { return }
                log.warning("lost connection to \(path); reconnecting")
            } catch {
                // Log a failure once, not at every retry of the same failure.
                let failure = "\(error)"
                if failure != lastFailure { log.warning("connecting to \(path): \(failure); retrying with back-off") }
                lastFailure = failure
            }
            try? await clock.sleep(for: backoff.nextDelay())
        }
    }
}
