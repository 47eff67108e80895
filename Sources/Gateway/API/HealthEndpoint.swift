import Wire
import WireRuntime

/// `GET /healthz`: gateway → coordinator → every shard and back.
///
/// 200 `{"status":"ok","shards":{"up":N,"total":N}}` when every shard answers;
/// 503 with the same shape (status "degraded") while any is down, and 503
/// with up 0, total 0 and an error message while the coordinator is unreachable.
struct HealthEndpoint: Sendable {
    let coordinator: CoordinatorClient

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        do {
            guard case .clusterHealth(let health) = try await coordinator.send(.clusterHealth) else {
                return APIError.internalError("the coordinator answered a health request with something else").response
            }
            return Self.response(for: health)
        } catch {
            let message = error.response.body
            return .json(503, "{\"status\":\"unavailable\",\"shards\":{\"up\":0,\"total\":0},\"error\":\"Service unavailable\",\"message\":\(JSONText.quoted(String(decoding: message, as: UTF8.self)))}")
        }
    }

    static func response(for health: ClusterHealth) -> HTTPResponse {
        let healthy = health.total > 0 && health.up == health.total
        return .json(healthy ? 200 : 503, "{\"status\":\"\(healthy ? "ok" : "degraded")\",\"shards\":{\"up\":\(health.up),\"total\":\(health.total)}}")
    }
}
