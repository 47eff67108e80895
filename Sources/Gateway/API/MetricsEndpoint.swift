import Wire

/// `GET /metrics`: every process's figures in Prometheus' text format, no token needed. The
/// coordinator gathers its own and the shards'; without it the gateway still answers its own,
/// with `tether_coordinator_up 0`.
struct MetricsEndpoint: Sendable {
    let coordinator: CoordinatorClient
    let metrics: GatewayMetrics

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        var gathered: [MetricFamily] = []
        do throws(APIError) {
            guard case .metrics(let families) = try await coordinator.send(.metrics) else {
                throw .internalError("the coordinator answered a metrics request with something else")
            }
            gathered = families
            metrics.metrics.set(GatewayMetrics.coordinatorUp, 1)
        } catch {
            metrics.metrics.set(GatewayMetrics.coordinatorUp, 0)
        }
        let text = PrometheusText.render(MetricFamily.merged(metrics.metrics.snapshot() + gathered))
        return HTTPResponse(status: 200, headers: [("Content-Type", PrometheusText.contentType)], body: Array(text.utf8))
    }
}
