import Wire

/// `GET /metrics`: every process's figures in Prometheus' text format, no token needed. The
/// coordinator gathers its own and the shards'; without it the gateway still answers its own,
/// with `tether_coordinator_up 0`.
struct MetricsEndpoint: Sendable {
    /// How long one gathering from the coordinator (which asks every shard) answers scrapes: a
    /// storm of scrapes, which need no token, costs the shards one gathering a second; Prometheus
    /// scrapes every 15 s or more, so no scraper sees a figure older than it would anyway.
    static let cachePeriod: Duration = .seconds(1)

    let metrics: GatewayMetrics
    private let gathered: SharedGathering<[MetricFamily]>

    init(coordinator: CoordinatorClient, metrics: GatewayMetrics) {
        self.init(metrics: metrics) { await Self.gather(from: coordinator, metrics: metrics) }
    }

    /// `gather` asks the cluster for its figures; `now` is the cache's clock.
    init(
        metrics: GatewayMetrics, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        gather: @escaping @Sendable () async -> [MetricFamily]
    ) {
        self.metrics = metrics
        gathered = SharedGathering(period: Self.cachePeriod, now: now, gather: gather)
    }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let cluster = await gathered.value()
        // The gateway's own figures are its memory, always current.
        let text = PrometheusText.render(MetricFamily.merged(metrics.metrics.snapshot() + cluster))
        return HTTPResponse(status: 200, headers: [("Content-Type", PrometheusText.contentType)], body: Array(text.utf8))
    }

    /// The coordinator's and shards' figures, or none when the coordinator does not answer.
    private static func gather(from coordinator: CoordinatorClient, metrics: GatewayMetrics) async -> [MetricFamily] {
        do throws(APIError) {
            let families = try await coordinator.send(ReadMetrics())
            metrics.metrics.set(GatewayMetrics.coordinatorUp, 1)
            return families
        } catch {
            metrics.metrics.set(GatewayMetrics.coordinatorUp, 0)
            return []
        }
    }
}
