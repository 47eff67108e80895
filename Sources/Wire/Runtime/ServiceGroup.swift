/// A process's long-lived loops, run as child tasks of one task group, in the spirit of
/// swift-service-lifecycle's `ServiceGroup`: no loop runs without an owner, and shutdown is ordered.
///
/// Services start in the order given. At the first stop signal, or when any service ends on its
/// own (returns or throws), the others are stopped one at a time in reverse start order: each is
/// cancelled and awaited before the one started before it is cancelled, as an OTP supervisor
/// stops its children.
///
/// ```
/// start:  feeds ─▶ shards ─▶ dispatcher ─▶ sweeper
/// SIGTERM ─▶ cancel sweeper, await ─▶ dispatcher ─▶ shards ─▶ feeds ─▶ run() returns
/// ```
package struct ServiceGroup: Sendable {
    /// One long-lived loop: it runs until its task is cancelled, then returns.
    ///
    /// When the shutdown reaches it, its `shutdown` runs first, outside its task and never
    /// cancelled, so it may wait (for child processes to exit, a file to close); then its
    /// task is cancelled and awaited.
    package struct Service: Sendable {
        package let name: String
        package let run: @Sendable () async throws -> Void
        package let shutdown: (@Sendable () async -> Void)?

        package init(_ name: String, run: @escaping @Sendable () async throws -> Void, shutdown: (@Sendable () async -> Void)? = nil) {
            self.name = name
            self.run = run
            self.shutdown = shutdown
        }

        /// Nothing but a step of the shutdown, ordered among the loops (e.g. closing the storage
        /// after every loop that uses it).
        package static func onShutdown(_ name: String, _ stop: @escaping @Sendable () async -> Void) -> Service {
            Service(name, run: { await ServiceGroup.untilCancelled() }, shutdown: stop)
        }
    }

    private let services: [Service]
    private let stopSignals: AsyncStream<Int32>?
    private let log: Log

    /// `stopSignals`: the arrivals of SIGTERM and SIGINT (`ProcessRuntime.stopSignals`); nil runs
    /// until a service ends.
    package init(_ services: [Service], stopSignals: AsyncStream<Int32>?, log: Log) {
        self.services = services
        self.stopSignals = stopSignals
        self.log = log
    }

    private enum Ended: Sendable {
        case signal(Int32?)
        case service(Int, (any Error)?)
    }

    /// Runs every service until a stop signal or until one ends; returns once all have ended.
    /// Throws the first error a service threw, after every other service has stopped.
    package func run() async throws {
        let failure: (any Error)? = await withTaskGroup(of: Ended.self) { group in
            var stoppers: [AsyncStream<Void>.Continuation] = []
            for (index, service) in services.enumerated() {
                let (stop, stopper) = AsyncStream.makeStream(of: Void.self)
                stoppers.append(stopper)
                group.addTask { .service(index, await Self.run(service, until: stop)) }
            }
            if let stopSignals {
                group.addTask {
                    for await signal in stopSignals { return .signal(signal) }
                    return .signal(nil)
                }
            }
            var ended: [Int: (any Error)?] = [:]
            var failure: (any Error)?
            func record(_ event: Ended?) {
                switch event {
                case .signal(let signal?)?:
                    log.info("received signal \(signal); stopping")
                case .service(let index, let error)?:
                    ended[index] = .some(error)
                    // Its error is the caller's to report, once every service has stopped.
                    if let error, failure == nil { failure = error }
                case .signal(nil)?, nil:
                    break
                }
            }
            record(await group.next())
            for index in services.indices.reversed() where ended[index] == nil {
                stoppers[index].finish()
                while ended[index] == nil { record(await group.next()) }
            }
            // What is left is the signal watcher (when no signal came): it ends on cancellation.
            group.cancelAll()
            return failure
        }
        if let failure { throw failure }
    }

    /// Runs `service` until it ends or `stop` finishes; then cancels it and waits for it to end.
    private static func run(_ service: Service, until stop: AsyncStream<Void>) async -> (any Error)? {
        await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    try await service.run()
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                for await _ in stop {}
                // Cancelled, not stopped: the service ended first, and there is nothing to shut down.
                if !Task.isCancelled { await service.shutdown?() }
                return nil
            }
            var outcome = await group.next()
            group.cancelAll()
            // The stop came first: the service, now cancelled, is awaited.
            if case .some(nil) = outcome { outcome = await group.next() }
            guard case .failure(let error)?? = outcome, !(error is CancellationError) else { return nil }
            return error
        }
    }

    /// Returns when the calling task is cancelled.
    package static func untilCancelled() async {
        let (never, continuation) = AsyncStream.makeStream(of: Void.self)
        // An AsyncStream's iteration ends when its task is cancelled; the continuation is kept
        // until then so that nothing else ends it.
        for await _ in never {}
        withExtendedLifetime(continuation) {}
    }
}
