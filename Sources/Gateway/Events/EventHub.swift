import Wire
import WireRuntime
import WireTransport

/// `GET /api/events` subscribers, each with its `EventCursor`, on the loop thread.
///
/// Replays come from the coordinator's durable event log (`fetch`), so a
/// subscriber that reconnects with `Last-Event-ID` gets what it missed also
/// across a restart of this gateway or of the coordinator, within the log's
/// window. A subscriber more than `subscriberBacklogLimit` bytes behind on live
/// events is dropped (it may reconnect): a slow reader never slows the
/// deletion or grows memory. A catch-up page is asked for only while the
/// subscriber has less than `replayBacklog` unsent, so a replay to a reader
/// that does not read waits instead of piling up.
final class EventHub: @unchecked Sendable {
    // Invariant for @unchecked Sendable: every property is touched only on
    // `loop`'s thread; other threads hand work over with `loop.execute`.

    /// Reads a page of an org's log: the coordinator, or a test's stand-in.
    typealias Fetch = @Sendable (_ org: String, _ after: UInt64?, _ limit: Int) async throws -> EventPage

    private struct Subscriber {
        let channel: StreamChannel
        /// The bearer token it subscribed with, whose open streams `streams` counts.
        let token: String
        var cursor: EventCursor
    }

    /// Unsent bytes a live subscriber may fall behind by before it is dropped.
    static let subscriberBacklogLimit = 1 << 20
    /// Unsent bytes above which the next catch-up page waits.
    static let replayBacklog = 256 << 10
    /// How long a catch-up waits after the log could not be read, or while its reader is behind.
    static let retryDelay: Duration = .milliseconds(200)

    let loop: EventLoop
    /// Catch-up pages being fetched, and their retries; `fetches.run()` is a service of the gateway.
    let fetches = ChildTasks()
    private let fetch: Fetch
    private let metrics: GatewayMetrics
    private var subscribers: [String: [ObjectIdentifier: Subscriber]] = [:]
    /// The streams open per token and per org: exactly the entries of `subscribers`.
    private var streams: EventStreamCounts
    /// Where refused streams are logged, a line per org now and then (`RefusalLogGate`); nil: not logged.
    private let refusals: RefusalLog?
    private let clock: any ProcessClock

    init(
        loop: EventLoop, metrics: GatewayMetrics = GatewayMetrics(), streams: EventStreamCounts = EventStreamCounts(), refusals: RefusalLog? = nil,
        clock: any ProcessClock = SystemClock(), fetch: @escaping Fetch
    ) {
        self.loop = loop
        self.clock = clock
        self.metrics = metrics
        self.streams = streams
        self.refusals = refusals
        self.fetch = fetch
    }

    /// Adds a subscriber and starts its catch-up from `start`; or, when `token` or `org`
    /// already holds its cap of streams, why not (nothing added then).
    func subscribe(org: String, token: String, channel: StreamChannel, start: EventCursor.Start) -> APIError? {
        loop.assertInLoop()
        let key = ObjectIdentifier(channel)
        precondition(subscribers[org]?[key] == nil, "a channel subscribed twice")  // HTTPConnection subscribes once, then only streams
        if let refusal = streams.open(token: token, org: org) {
            if case .tooManyRequests(let message, _) = refusal { refusals?.refused(org: org, "429 on an event stream: \(message)") }
            return refusal
        }
        metrics.metrics.add(GatewayMetrics.subscribers, 1)
        let cursor = EventCursor(start: start)
        subscribers[org, default: [:]][key] = Subscriber(channel: channel, token: token, cursor: cursor)
        request(cursor.catchUpFetch, org: org, key: key)
        return nil
    }

    /// The stream on `channel` has ended (its client went, or the gateway stops); nothing if it was dropped already.
    func unsubscribe(org: String, channel: StreamChannel) {
        loop.assertInLoop()
        remove(org: org, key: ObjectIdentifier(channel))
    }

    /// Open streams of `token` and of `org`.
    func openStreams(token: String, org: String) -> (token: Int, org: Int) {
        loop.assertInLoop()
        return streams.count(token: token, org: org)
    }

    /// Forgets a subscriber and frees its place under the caps: the one way one leaves.
    private func remove(org: String, key: ObjectIdentifier) {
        guard let gone = subscribers[org]?.removeValue(forKey: key) else { return }
        if subscribers[org]?.isEmpty == true { subscribers[org] = nil }
        streams.close(token: gone.token, org: org)
        metrics.metrics.add(GatewayMetrics.subscribers, -1)
    }

    /// Live events from the coordinator, in log order.
    func publish(_ events: [RenderedEvent]) {
        loop.assertInLoop()
        for event in events {
            guard let orgSubscribers = subscribers[event.org] else { continue }
            for (key, var subscriber) in orgSubscribers {
                guard let send = subscriber.cursor.live(event) else {
                    subscribers[event.org]?[key] = subscriber
                    continue
                }
                guard subscriber.channel.queuedBytes <= Self.subscriberBacklogLimit else {
                    metrics.metrics.add(GatewayMetrics.droppedSubscribers)
                    remove(org: event.org, key: key)
                    subscriber.channel.close(nil)
                    continue
                }
                subscribers[event.org]?[key] = subscriber
                subscriber.channel.write(send.frame)
            }
        }
    }

    /// The link to the coordinator broke: what it pushed meanwhile never came,
    /// so every live subscriber catches up from the log once it is back.
    func linkLost() {
        loop.assertInLoop()
        for (org, orgSubscribers) in subscribers {
            for (key, var subscriber) in orgSubscribers {
                let next = subscriber.cursor.linkLost()
                subscribers[org]?[key] = subscriber
                if let next { request(next, org: org, key: key) }
            }
        }
    }

    /// The cursor of the subscriber on `channel`, if it is one.
    func cursor(of channel: StreamChannel) -> EventCursor? {
        loop.assertInLoop()
        return subscribers.values.lazy.compactMap { $0[ObjectIdentifier(channel)]?.cursor }.first
    }

    /// A comment line to every subscriber, so proxies and clients see the stream is alive.
    func keepAlive() {
        loop.assertInLoop()
        for channels in subscribers.values {
            for subscriber in channels.values { subscriber.channel.write(Array(": keep-alive\n\n".utf8)) }
        }
    }

    // MARK: - Catching up

    /// Asks the log for the page `next` names, once the subscriber has room for it.
    private func request(_ next: EventCursor.Next, org: String, key: ObjectIdentifier) {
        guard case .fetch(let after, let limit) = next, let subscriber = subscribers[org]?[key], !subscriber.channel.isClosed else { return }
        guard subscriber.channel.queuedBytes <= Self.replayBacklog else { return retry(org: org, key: key) }
        let fetch = fetch
        fetches.add { [self] in
            do {
                let page = try await fetch(org, after, limit)
                let rendered = page.events.map(RenderedEvent.init(logged:))
                loop.execute { self.deliver(rendered, head: page.head, limit: limit, org: org, key: key) }
            } catch {
                // The coordinator is away: try again; the cursor still says where from.
                retry(org: org, key: key)
            }
        }
    }

    private func retry(org: String, key: ObjectIdentifier) {
        let (loop, clock) = (loop, clock)
        fetches.add {
            try? await clock.sleep(for: Self.retryDelay)
            loop.execute {
                // Re-read after the sleep: the subscriber may have gone or caught up meanwhile.
                guard let subscriber = self.subscribers[org]?[key], !subscriber.cursor.isLive else { return }
                self.request(subscriber.cursor.catchUpFetch, org: org, key: key)
            }
        }
    }

    private func deliver(_ events: [RenderedEvent], head: UInt64, limit: Int, org: String, key: ObjectIdentifier) {
        guard var subscriber = subscribers[org]?[key], !subscriber.channel.isClosed else { return }
        let (send, next) = subscriber.cursor.page(events, head: head, limit: limit)
        subscribers[org]?[key] = subscriber
        for event in send { subscriber.channel.write(event.frame) }
        request(next, org: org, key: key)
    }
}

extension RenderedEvent {
    /// A logged event as its SSE frame: a job's document in the API's shape.
    init(logged event: LoggedEvent) {
        switch event.body {
        case .contactRemoved(let json): self.init(seq: event.seq, org: event.org, type: "contact_removed", data: json)
        case .contactRestored(let json): self.init(seq: event.seq, org: event.org, type: "contact_restored", data: json)
        case .jobProgress(let document): self.init(seq: event.seq, org: event.org, type: "bulk_job_progress", data: JobJSON.render(document))
        }
    }
}
