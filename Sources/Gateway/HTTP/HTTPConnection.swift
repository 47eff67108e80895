import WireTransport

/// One client connection: parses requests, runs one handler at a time, and
/// writes responses in request order (pipelined requests wait their turn).
final class HTTPConnection: @unchecked Sendable {
    // Invariant for @unchecked Sendable: all state is touched only on the
    // server loop's thread; a handler's task hops back with `loop.execute`.
    private enum State {
        /// Waiting for a request; `since` is when the last one was answered.
        case idle(since: ContinuousClock.Instant)
        /// Bytes of a request have arrived; it must be complete by `startedAt + requestTimeout`.
        case receiving(head: HTTPRequestHead?, body: [UInt8], startedAt: ContinuousClock.Instant)
        /// A streaming handler runs while its body still arrives; `lastInput` is when bytes last came
        /// (or reading last resumed), for `bodyIdleTimeout`.
        case streaming(body: RequestBody, keepAlive: Bool, lastInput: ContinuousClock.Instant)
        /// A handler runs; nothing more is parsed until it answers.
        case responding
        /// A streamed body was cut short (over its limit, idle too long): its handler finishes with
        /// what arrived and answers, then the connection closes. What the client still sends is dropped.
        case stopping
        /// An error answer is being flushed before the close.
        case closing(since: ContinuousClock.Instant)
        /// A Server-Sent Events stream: the connection now only carries events.
        case eventStream(org: String)
    }

    private unowned let server: HTTPServer
    private var channel: StreamChannel!  // set in init right after self exists; never nil afterwards
    private var parser: HTTPRequestParser
    private var state: State
    private let onClose: () -> Void

    /// Input buffered beyond this while a handler runs pauses reading.
    private static let pipelineBufferLimit = 64 * 1024
    /// Answers the client has not taken beyond this pause the next pipelined request (and
    /// reading) until they are all sent: a client that pipelines and never reads holds at most
    /// this plus one answer here, and waits in its own buffers, rather than growing the
    /// gateway's to the channel's limit. Four typical pages' worth, so a client that does read
    /// is not slowed.
    static let unsentAnswerLimit = 64 * 1024
    /// What an event stream's client may send after its request: it has
    /// nothing more to say, so its bytes are dropped, and past this it is closed.
    static let eventStreamInputBudget = 64 * 1024
    /// Bytes an event stream's client has sent since its request.
    private var eventStreamInput = 0
    /// Bytes dropped since a body was cut short or an error answered, for the linger budgets.
    private var closingInput = 0
    /// The request being answered, for the metrics: its route template, method, and when its head began.
    private var measured: (route: String, method: String, startedAt: ContinuousClock.Instant)?
    /// How the request whose head has arrived resolves, and what its route's admission said of
    /// its token (nil: the route needs none), both decided once at the head.
    private var routed: (resolution: Router.Resolution, admission: Result<Claims, APIError>?)?
    /// Whether a request on this connection has presented a valid token: until then it has the
    /// smaller time budget of a stranger (`GatewayLimits.unauthenticatedHeadTimeout`).
    private var hasPresentedToken = false

    init(fd: Int32, server: HTTPServer, onClose: @escaping () -> Void) {
        self.server = server
        self.onClose = onClose
        let limits = server.limits.http
        let router = server.router
        let withoutToken = server.limits.unauthenticatedBodyBytes
        parser = HTTPRequestParser(
            limits: limits, bodyLimit: { head in router.bodyLimit(for: head, standard: limits.maxBodyBytes, withoutToken: withoutToken) })
        state = .idle(since: server.clock.now)
        channel = StreamChannel(
            fd: fd, loop: server.loop, label: "http#\(fd)", outboundLimit: 16 << 20,
            // Weak, then held for the whole call: `onClose` removes this connection from the server.
            onBytes: { [weak self] bytes in self?.received(bytes) },
            onClose: { [weak self] error in
                guard let self else { return }
                switch state {
                case .streaming(let body, _, _): body.fail(error ?? APIError.invalidBody("the client closed the connection mid-body"))
                case .eventStream(let org): self.server.events.unsubscribe(org: org, channel: channel)
                default: break
                }
                self.onClose()
            },
            onDrained: { [weak self] in self?.resumeAfterBacklog() })
    }

    func activate() { channel.activate() }

    /// Bytes written to this connection that its client has not taken yet.
    var unsentBytes: Int { channel.queuedBytes }

    /// Whether part of a request has arrived and the rest is waited for.
    var isReceiving: Bool {
        if case .receiving = state { return true }
        return false
    }

    /// Closes a connection idle past `idleTimeout`, or answers 408 to a request slower than
    /// `requestTimeout`; for a connection that has presented no valid token, both after
    /// `unauthenticatedHeadTimeout` until the head has arrived.
    func expireIfOverdue(at now: ContinuousClock.Instant) {
        let limits = server.limits
        let stranger = !hasPresentedToken
        switch state {
        case .idle(let since) where since.duration(to: now) > (stranger ? min(limits.idleTimeout, limits.unauthenticatedHeadTimeout) : limits.idleTimeout):
            channel.close(nil)
        case .receiving(nil, _, let startedAt) where stranger && startedAt.duration(to: now) > limits.unauthenticatedHeadTimeout:
            fail(.headTimeout(after: limits.unauthenticatedHeadTimeout))
        case .receiving(_, _, let startedAt) where startedAt.duration(to: now) > limits.requestTimeout:
            fail(.requestTimeout(after: limits.requestTimeout))
        case .streaming(let body, _, let lastInput) where !channel.isReadingPaused && lastInput.duration(to: now) > limits.bodyIdleTimeout:
            // The client stopped sending mid-body: its handler answers with what it kept, and a 408.
            cutShort(body, .requestTimeout(after: limits.bodyIdleTimeout))
        case .closing(let since) where since.duration(to: now) > (stranger ? limits.unauthenticatedHeadTimeout : limits.requestTimeout):
            channel.close(nil)  // the client does not read its error answer
        default:
            break
        }
    }

    /// Every state has an input budget, so what a client sends never grows the gateway's memory:
    /// an event stream drops input and closes past its budget, an error answer being flushed
    /// drops it, and a pending answer pauses reading once what waits behind it passes its limit.
    private func received(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .eventStream:
            eventStreamInput += bytes.count
            if eventStreamInput > Self.eventStreamInputBudget { channel.close(nil) }
            return
        case .closing, .stopping:
            closingInput += bytes.count
            let budget = hasPresentedToken ? server.limits.lingerBytes : server.limits.unauthenticatedLingerBytes
            if closingInput > budget { channel.close(nil) }
            return
        case .idle, .receiving, .streaming, .responding:
            break
        }
        parser.append(bytes)
        if case .idle = state { state = .receiving(head: nil, body: [], startedAt: server.clock.now) }
        process()
        if case .responding = state, parser.bufferedByteCount > Self.pipelineBufferLimit { channel.setReadingPaused(true) }
    }

    /// Parses and dispatches until a handler is running, more bytes are needed, or the client
    /// has `unsentAnswerLimit` of answers to take before the next request is looked at.
    private func process() {
        while !channel.isClosed {
            switch state {
            case .responding, .stopping, .closing, .eventStream: return
            case .idle, .receiving(nil, _, _):
                // Between requests: reading resumes once the client has taken its answers.
                if channel.queuedBytes > Self.unsentAnswerLimit { return channel.setReadingPaused(true) }
            case .receiving, .streaming: break
            }
            let event: HTTPParseEvent?
            do {
                event = try parser.next()
            } catch {
                if case .streaming(let body, _, _) = state { return cutShort(body, .malformedRequest(error)) }
                return fail(.malformedRequest(error))
            }
            guard let event else { return }
            switch (event, state) {
            case (.head(let head), .receiving(_, _, let startedAt)):
                state = .receiving(head: head, body: [], startedAt: startedAt)
                if admitted(head, startedAt: startedAt) { startStreamingIfRouted(head) }
            case (.body(let piece), .streaming(let body, let keepAlive, _)):
                state = .streaming(body: body, keepAlive: keepAlive, lastInput: server.clock.now)
                if body.append(piece) { channel.setReadingPaused(true) }
            case (.end, .streaming(let body, _, _)):
                body.finish()
                state = .responding
            case (.body(let piece), .receiving(let head, var body, let startedAt)):
                state = .responding  // releases `body`'s storage so the append does not copy
                body.append(contentsOf: piece)
                state = .receiving(head: head, body: body, startedAt: startedAt)
            case (.end, .receiving(let head?, let body, _)):
                dispatch(HTTPRequest(head: head, body: body))
            default:
                preconditionFailure("parser event \(event) in state \(state)")  // the parser's order is head, body*, end
            }
        }
    }

    /// Resolves the request whose head has arrived and asks its route's admission about its
    /// token. A refused request with a body is answered now and the connection closed, its body
    /// unread; one without is answered at its end, which follows at once. False when refused.
    private func admitted(_ head: HTTPRequestHead, startedAt: ContinuousClock.Instant) -> Bool {
        let resolution = server.router.resolve(method: head.method, path: head.path)
        var route = GatewayMetrics.unmatched
        var admission: Result<Claims, APIError>?
        if case .found(_, _, _, let pattern, let admit) = resolution {
            route = pattern
            admission = admit?(head)
        }
        measured = (route, head.method, startedAt)
        routed = (resolution, admission)
        switch admission {
        case .success: hasPresentedToken = true
        case .failure(let refusal) where head.bodyFraming != .none && head.bodyFraming != .contentLength(0):
            fail(refusal)
            return false
        case .failure: return false
        case nil: break
        }
        return true
    }

    /// A streaming route's handler starts at the head and reads the body as it arrives.
    private func startStreamingIfRouted(_ head: HTTPRequestHead) {
        guard case .found(.streaming(let handler), let parameters, _, _, _)? = routed?.resolution else { return }
        let claims = try? routed?.admission?.get()
        let loop = server.loop
        let body = RequestBody(resumeReading: {
            loop.execute { [self] in
                channel.setReadingPaused(false)
                // The wait was ours, not the client's: its idle time starts now.
                if case .streaming(let body, let keepAlive, _) = state { state = .streaming(body: body, keepAlive: keepAlive, lastInput: server.clock.now) }
            }
        })
        state = .streaming(body: body, keepAlive: head.keepAlive, lastInput: server.clock.now)
        let request = HTTPRequest(head: head, body: [], parameters: parameters, claims: claims)
        server.handlers.add {
            let response = await handler(request, body)
            loop.execute { [self] in respond(response, keepAlive: head.keepAlive) }
        }
    }

    /// Answers or hands on a request whose body has arrived, as its head was routed and admitted.
    private func dispatch(_ request: HTTPRequest) {
        let keepAlive = request.head.keepAlive
        guard case let (resolution, admission)? = routed else { preconditionFailure("a request ended without its head") }
        routed = nil
        var request = request
        do {
            request.claims = try admission?.get()
        } catch {
            return answer(error.response, keepAlive: keepAlive)
        }
        switch resolution {
        case .notFound:
            answer(APIError.notFound(path: request.head.path).response, keepAlive: keepAlive)
        case .methodNotAllowed(let allowed):
            answer(APIError.methodNotAllowed(method: request.head.method, allowed: allowed).response, keepAlive: keepAlive)
        case .found(.streaming, _, _, _, _):
            preconditionFailure("streaming routes start at the head")  // startStreamingIfRouted took it
        case .found(.eventStream(let handler), let parameters, _, _, _):
            request.parameters = parameters
            switch handler(request) {
            case .refuse(let response):
                answer(response, keepAlive: keepAlive)
            case .subscribe(let org, let token, let start):
                // Counted and taken in the same turn of the loop; its first page is written after this header.
                if let refusal = server.events.subscribe(org: org, token: token, channel: channel, start: start) {
                    return answer(refusal.response, keepAlive: keepAlive)
                }
                count(status: 200, finished: false)
                state = .eventStream(org: org)
                channel.write(Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n\r\n".utf8))
            }
        case .found(.buffered(let handler, let immediate), let parameters, _, _, _):
            request.parameters = parameters
            if let response = immediate?(request) { return answer(response, keepAlive: keepAlive) }
            state = .responding
            let loop = server.loop
            server.handlers.add { [request] in
                let response = await handler(request)
                loop.execute { [self] in respond(response, keepAlive: keepAlive) }
            }
            if parser.bufferedByteCount > Self.pipelineBufferLimit { channel.setReadingPaused(true) }
        }
    }

    /// A handler task's answer, back on the loop thread: written, then the next pipelined request goes on.
    /// The answer of a request already failed (a 408 sent) is dropped.
    private func respond(_ response: HTTPResponse, keepAlive: Bool) {
        if case .closing = state { return }
        answer(response, keepAlive: keepAlive)
        process()
    }

    /// Ends a streamed body early with `error`: its handler imports what arrived and answers with
    /// the error's status and what it kept. What the client still sends waits in the kernel's
    /// buffers meanwhile, costing nothing; once the answer is written it is read and dropped up to
    /// the linger budget, so a client that sends its whole body before reading still gets it.
    private func cutShort(_ body: RequestBody, _ error: APIError) {
        body.cutShort(error)
        state = .stopping
        channel.setReadingPaused(true)
    }

    /// Writes the answer to the current request and readies the connection for the next, or
    /// for closing. Called inside `process()` for answers given at once: the loop there
    /// goes on, rather than a nested `process()` per pipelined request.
    private func answer(_ response: HTTPResponse, keepAlive: Bool) {
        guard !channel.isClosed else { return }
        count(status: response.status, finished: true)
        switch state {
        case .streaming(let body, _, _):
            // Answered before its body ended (an auth failure, a batch failed):
            // the rest of the body is unread, so the connection cannot be reused.
            body.fail(APIError.invalidBody("the request was answered before its body ended"))
            fallthrough
        case .stopping:
            channel.write(response.serialized(keepAlive: false))
            channel.finishWhenFlushed()
            state = .closing(since: server.clock.now)
            channel.setReadingPaused(false)  // drained, to the linger budget, so the answer is not lost to a reset
            return
        default:
            break
        }
        channel.write(response.serialized(keepAlive: keepAlive))
        guard keepAlive else {
            // Requests pipelined after a `Connection: close` one are not answered.
            channel.closeWhenFlushed()
            state = .closing(since: server.clock.now)
            return
        }
        state = parser.bufferedByteCount > 0 ? .receiving(head: nil, body: [], startedAt: server.clock.now) : .idle(since: server.clock.now)
        channel.setReadingPaused(false)
    }

    /// The client has taken every answer: reading, and the pipelined requests it sent, go on.
    private func resumeAfterBacklog() {
        switch state {
        case .idle, .receiving(nil, _, _):
            channel.setReadingPaused(false)
            process()
        default:
            break  // reading is paused, if it is, for another reason, which resumes it itself
        }
    }

    /// Counts the request being answered (one refused before its head was read, as unmatched).
    private func count(status: Int, finished: Bool) {
        let request = measured ?? (GatewayMetrics.unmatched, "unknown", server.clock.now)
        server.metrics.answered(route: request.route, method: request.method, status: status, took: finished ? server.clock.now - request.startedAt : nil)
        measured = nil
    }

    /// Answers a request that cannot be served and closes: the stream may be out of sync. The
    /// client may still be sending (a body over its limit): it is read and dropped until the
    /// client closes, or `requestTimeout` passes, so that the answer reaches it.
    private func fail(_ error: APIError) {
        let response = error.response
        count(status: response.status, finished: true)
        channel.write(response.serialized(keepAlive: false))
        channel.finishWhenFlushed()
        state = .closing(since: server.clock.now)
    }
}
