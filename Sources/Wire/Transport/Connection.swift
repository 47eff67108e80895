package import Wire
package import WireRuntime
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// One peer process: the mailbox for one Unix-socket connection.
///
/// The socket itself lives on an `EventLoop` (`FrameStream`); its frames
/// are decoded off both the loop and this actor, and reach the actor in
/// order. Calls are matched to answers by correlation id; notices are
/// one-way.
///
/// Nothing is read until its creator runs `run()`, the read loop, as a task it owns: the
/// accepting side as a child of the process's connections service, the connecting side
/// inside `connect(path:…)`, which returns only once the loop has ended.
package actor Connection {
    private enum State {
        case handshaking
        case open
        case closed
    }

    package nonisolated let label: String
    /// Unique for the life of the process, unlike an object's address (which a
    /// new connection may reuse once an old one is freed).
    package nonisolated let serial: UInt64
    private nonisolated let stream: FrameStream
    /// What the stream reads, for `run()`, its one consumer.
    private nonisolated let events: AsyncStream<FrameStream.Event>
    private let side: HandshakeSide
    private let delegate: any ConnectionDelegate
    private let limits: WireLimits
    private let log: Log
    private var state = State.handshaking
    /// Who the peer said it is; nil until its hello (accepting side) or for the connecting side.
    package private(set) var peer: Hello?
    private var welcome: Welcome?
    private var handshakeWaiters: [CheckedContinuation<Welcome, any Error>] = []
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []
    private var pending: [UInt64: CheckedContinuation<Answer, any Error>] = [:]
    private let clock: any ProcessClock
    private var deadlines: ConnectionDeadlines
    /// The one timer, sleeping until `deadlines.earliest` as it was when armed; nil when nothing is waited for.
    /// A stored task the connection cancels, not a child of `run()`: each call may move the
    /// deadline earlier, and cancelling one sleep for another is simpler than signalling a loop;
    /// `finish` cancels it, so it never outlives the connection.
    private var timer: (task: Task<Void, Never>, due: ContinuousClock.Instant)?
    /// The last correlation id taken; each request takes the next.
    private nonisolated let correlations = Atomic<UInt64>(0)
    private var closeError: (any Error)?
    private static let serials = Atomic<UInt64>(0)

    /// Takes over `fd`; the connecting side sends its hello at once. Reading starts with `run()`.
    package init(
        fd: Int32, label: String, loop: EventLoop, side: HandshakeSide, delegate: any ConnectionDelegate, limits: WireLimits = .standard,
        clock: any ProcessClock = SystemClock(), log: Log
    ) {
        self.label = label
        serial = Self.serials.add(1, ordering: .relaxed).newValue
        self.side = side
        self.delegate = delegate
        self.limits = limits
        self.clock = clock
        self.log = log
        var deadlines = ConnectionDeadlines()
        deadlines.start(.handshake, at: clock.now, limit: limits.handshakeTimeout)
        self.deadlines = deadlines
        let (events, continuation) = AsyncStream.makeStream(of: FrameStream.Event.self)
        self.events = events
        stream = FrameStream(fd: fd, loop: loop, label: label, limits: limits, events: continuation)
        var greeting = ProtocolVersion.preamble
        if case .connecting(let hello) = side { greeting += Frame.encode(.hello(hello)) }
        stream.start(sending: greeting)
    }

    /// Connects to the Unix socket at `path`, completes the handshake and runs `body` with the
    /// open connection while its read loop runs beside it; then closes the connection and
    /// returns once the loop has ended (the delegate has heard of the close).
    @discardableResult
    package static func connect<Value>(
        path: String, hello: Hello, loop: EventLoop, delegate: any ConnectionDelegate, limits: WireLimits = .standard,
        clock: any ProcessClock = SystemClock(), log: Log, isolation: isolated (any Actor)? = #isolation,
        _ body: (Connection, Welcome) async throws -> Value
    ) async throws -> Value {
        let fd = try Socket.connectUnix(path: path)
        let connection = Connection(
            fd: fd, label: path, loop: loop, side: .connecting(hello), delegate: delegate, limits: limits, clock: clock, log: log)
        async let reading: Void = connection.run()
        let outcome: Result<Value, any Error>
        do {
            outcome = .success(try await body(connection, try await connection.handshakeCompleted()))
        } catch {
            outcome = .failure(error)
        }
        connection.close()
        await reading
        return try outcome.get()
    }

    /// Reads until the connection closes, answering requests as child tasks; returns once it has
    /// closed and the delegate has heard of it. Cancelling it closes the connection. Run once.
    package nonisolated func run() async {
        await withTaskCancellationHandler {
            await armTimer()
            await consume(events)
        } onCancel: {
            stream.close()
        }
    }

    // MARK: - Sending

    /// Sends `call` as a call of its family (`family` wraps it: `\.gatewayCall`, `CoordinatorCall.runSlice`)
    /// and returns its reply. A `failure` answer throws as `RemoteFailure`; an answer that does not
    /// read as the call's `Reply` throws `ConnectionError.unreadableReply`.
    ///
    /// The frame is encoded before the call enters the actor: an import
    /// batch (megabytes) takes milliseconds to encode, and every other
    /// call and answer on this connection would wait for it.
    package nonisolated func call<C: Call, Family: CallFamily>(
        _ call: C, as family: @Sendable (C) -> Family, timeout: Duration? = nil
    ) async throws -> C.Reply {
        let correlation = correlations.add(1, ordering: .relaxed).newValue
        let request = CallFrame(family(call))
        let frame = try frame(.request(correlation: correlation, request))
        switch try await send(frame, correlation: correlation, deadline: timeout ?? limits.requestTimeout) {
        case .failure(let failure):
            throw failure
        case .reply(let bytes):
            do {
                return try C.Reply(bareBytes: bytes)
            } catch {
                throw ConnectionError.unreadableReply(label, call: request.callName, reason: error)
            }
        }
    }

    private func send(_ frame: [UInt8], correlation: UInt64, deadline: Duration) async throws -> Answer {
        guard case .open = state else { throw ConnectionError.notConnected(label) }
        return try await withCheckedThrowingContinuation { continuation in
            pending[correlation] = continuation
            stream.send(frame)
            deadlines.start(.answer(correlation: correlation), at: clock.now, limit: deadline)
            armTimer()
        }
    }

    /// Sends a one-way message; nothing answers it.
    package nonisolated func notify(_ notice: Notice) {
        do {
            stream.send(try frame(.notice(notice)))
        } catch {
            log.error("\(error); notice dropped")
        }
    }

    /// `message` as a frame, unless the peer would refuse it as too large.
    private nonisolated func frame(_ message: Message) throws(ConnectionError) -> [UInt8] {
        let bytes = Frame.encode(message)
        let payload = bytes.count - Frame.lengthPrefixSize
        guard payload <= limits.frameSize else { throw .frameTooLarge(label, bytes: payload, limit: limits.frameSize) }
        return bytes
    }

    /// Closes the connection; pending requests fail with `ConnectionError.closed`.
    package nonisolated func close() {
        stream.close()
    }

    /// Returns once the connection has closed.
    package func waitUntilClosed() async {
        if case .closed = state { return }
        await withCheckedContinuation { closeWaiters.append($0) }
    }

    package var isOpen: Bool {
        if case .open = state { return true }
        return false
    }

    // MARK: - Receiving

    private func handshakeCompleted() async throws -> Welcome {
        if let welcome { return welcome }
        if case .closed = state { throw closeError ?? ConnectionError.closed(label) }
        return try await withCheckedThrowingContinuation { handshakeWaiters.append($0) }
    }

    /// Decodes each frame off the actor (and off the event loop), then hands it to the actor, in
    /// order. The requests it receives are answered as child tasks of this loop, side by side.
    private nonisolated func consume(_ events: AsyncStream<FrameStream.Event>) async {
        await withDiscardingTaskGroup { answers in
            var broken = false
            for await event in events {
                switch event {
                case .frame(let payload):
                    guard !broken else { continue }
                    do {
                        if let (correlation, call) = await receive(try Message(payload: payload)) {
                            answers.addTask { await self.answer(call, correlation: correlation) }
                        }
                    } catch {
                        // The stream is broken: nothing after this frame is read, and the close
                        // that follows ends the connection with this error.
                        broken = true
                        stream.fail(error)
                    }
                case .closed(let error):
                    await closed(error)
                }
            }
            // Cancelled (the process stopping), the stream ends before the close it asked for
            // arrives: the connection ends here instead, an orderly close (a no-op when the
            // close came first).
            await closed(nil)
        }
    }

    private nonisolated func closed(_ error: (any Error)?) async {
        if await finish(error) { await delegate.closed(self, error: error) }
    }

    /// Acts on `message`; a request is returned, for the caller to answer.
    private func receive(_ message: Message) async -> (correlation: UInt64, call: CallFrame)? {
        switch (state, message) {
        case (.handshaking, .hello(let hello)):
            guard case .accepting(let admit) = side else {
                protocolViolation("unexpected hello")
                return nil
            }
            let decision = await admit(hello, self)
            // Re-check after the await: the peer may have gone away meanwhile.
            guard case .handshaking = state else { return nil }
            switch decision {
            case .success(let welcome):
                peer = hello
                state = .open
                deadlines.end(.handshake)
                stream.send(Frame.encode(.welcome(welcome)))
            case .failure(let refusal):
                log.warning("\(label): refused \(hello.role)\(hello.shardIndex.map { " \($0)" } ?? "") pid \(hello.pid): \(refusal.reason)")
                stream.send(Frame.encode(.refusal(refusal)))
                stream.closeWhenFlushed()
            }
        case (.handshaking, .welcome(let welcome)):
            guard case .connecting = side else {
                protocolViolation("unexpected welcome")
                return nil
            }
            self.welcome = welcome
            state = .open
            deadlines.end(.handshake)
            for waiter in handshakeWaiters { waiter.resume(returning: welcome) }
            handshakeWaiters = []
        case (.handshaking, .refusal(let refusal)):
            let error = ConnectionError.refused(label, reason: refusal.reason)
            log.error("\(error)")
            for waiter in handshakeWaiters { waiter.resume(throwing: error) }
            handshakeWaiters = []
            closeError = error
            stream.close()
        case (.handshaking, _):
            protocolViolation("a message before the handshake completed")
        case (.open, .request(let correlation, let call)):
            return (correlation, call)
        case (.open, .response(let correlation, let answer)):
            deadlines.end(.answer(correlation: correlation))
            // An answer to a call that already timed out is dropped.
            pending.removeValue(forKey: correlation)?.resume(returning: answer)
        case (.open, .notice(let notice)):
            await delegate.received(notice, on: self)
        case (.open, .hello), (.open, .welcome), (.open, .refusal):
            protocolViolation("a second handshake message")
        case (.closed, _):
            break
        }
        return nil
    }

    /// Answers `call` and sends the answer, off the actor like `call(_:as:timeout:)`: a large
    /// answer (a log page) is encoded without holding up the connection.
    private nonisolated func answer(_ call: CallFrame, correlation: UInt64) async {
        let answer = await delegate.answer(call, on: self)
        do {
            stream.send(try frame(.response(correlation: correlation, answer)))
        } catch {
            // The request fails alone, with the reason, instead of the connection.
            log.error("\(error); answering with a failure")
            stream.send(Frame.encode(.response(correlation: correlation, .failure(RemoteFailure(.internal, "\(error)")))))
        }
    }

    private func protocolViolation(_ what: String) {
        log.error("\(label): protocol violation: \(what); closing")
        closeError = ConnectionError.handshakeFailed(label, reason: what)
        stream.close()
    }

    // MARK: - Deadlines

    /// Sleeps until `due`, then has `connection` expire what is overdue; nothing once cancelled.
    private static func wake(_ connection: Connection, clock: any ProcessClock, until due: ContinuousClock.Instant) -> Task<Void, Never> {
        Task { [weak connection] in
            guard (try? await clock.sleep(until: due)) != nil else { return }
            await connection?.expireOverdue(armedFor: due)
        }
    }

    /// Makes the timer wake by the earliest deadline: a new timer only when that moved earlier
    /// (or none ran); none while nothing is waited for.
    private func armTimer() {
        guard let earliest = deadlines.earliest else {
            timer?.task.cancel()
            timer = nil
            return
        }
        if let timer, timer.due <= earliest { return }
        timer?.task.cancel()
        timer = (Self.wake(self, clock: clock, until: earliest), earliest)
    }

    /// The timer armed for `due` woke: what is overdue fails, and the timer is armed again.
    private func expireOverdue(armedFor due: ContinuousClock.Instant) {
        // Re-check after the timer's await: a newer timer may have replaced it.
        guard timer?.due == due else { return }
        timer = nil
        for (wait, limit) in deadlines.expire(at: clock.now) {
            switch wait {
            case .handshake:
                guard case .handshaking = state else { continue }
                log.warning("\(label): no handshake within \(limit); closing")
                closeError = ConnectionError.handshakeFailed(label, reason: "no handshake within \(limit)")
                stream.close()
            case .answer(let correlation):
                pending.removeValue(forKey: correlation)?.resume(throwing: ConnectionError.timedOut(label, after: limit))
            }
        }
        armTimer()
    }

    /// Ends the connection; true when it was open, and its delegate is to hear of the close.
    private func finish(_ error: (any Error)?) -> Bool {
        guard state != .closed else { return false }
        let wasOpen = state == .open
        state = .closed
        if let error, closeError == nil { closeError = error }
        let failure = closeError ?? ConnectionError.closed(label)
        for waiter in handshakeWaiters { waiter.resume(throwing: failure) }
        handshakeWaiters = []
        for (_, continuation) in pending { continuation.resume(throwing: ConnectionError.closed(label)) }
        pending = [:]
        deadlines.endAll()
        armTimer()
        for waiter in closeWaiters { waiter.resume() }
        closeWaiters = []
        return wasOpen
    }
}
