import Wire
import WireRuntime

/// What the gateway counts for `GET /metrics`: HTTP requests by route template (never by path,
/// which may hold a tenant's ids), their latency, open connections, event-stream subscribers,
/// and whether the coordinator answers.
struct GatewayMetrics: Sendable {
    let metrics = Metrics()

    static let requests = "tether_http_requests_total"
    static let requestDuration = "tether_http_request_duration_seconds"
    static let openConnections = "tether_http_open_connections"
    static let subscribers = "tether_event_stream_subscribers"
    static let droppedSubscribers = "tether_event_stream_dropped_subscribers_total"
    static let coordinatorUp = "tether_coordinator_up"

    /// The route label of a request that matched no route (or was refused before it was read).
    static let unmatched = "unmatched"

    init() {
        metrics.declare(Self.requests, .counter, help: "HTTP requests answered, by route template, method and status.")
        metrics.declare(Self.requestDuration, .histogram, help: "From a request's head to its answer being written, by route template.")
        metrics.declare(Self.openConnections, .gauge, help: "Open client connections, event streams included.")
        metrics.declare(Self.subscribers, .gauge, help: "Clients subscribed to GET /api/events.")
        metrics.declare(Self.droppedSubscribers, .counter, help: "Event-stream subscribers closed because they fell too far behind.")
        metrics.declare(Self.coordinatorUp, .gauge, help: "1 when the coordinator answered this scrape, else 0.")
        // Shown from the first scrape, before anything happened.
        for gauge in [Self.openConnections, Self.subscribers] { metrics.set(gauge, 0) }
        metrics.add(Self.droppedSubscribers, 0)
    }

    /// Methods labelled as they are; any other a client sends is `other`, so that no client can
    /// make series without end.
    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// One answered request; `took` is nil for an event stream, whose answer never ends.
    func answered(route: String, method: String, status: Int, took: Duration?) {
        let method = Self.knownMethods.contains(method) ? method : "other"
        let routeLabel = MetricLabel("route", route)
        metrics.add(Self.requests, sortedLabels: [MetricLabel("method", method), routeLabel, MetricLabel("status", String(status))])
        if let took { metrics.observe(Self.requestDuration, took / .seconds(1), sortedLabels: [routeLabel]) }
    }
}
