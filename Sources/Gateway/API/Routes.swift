/// The gateway's routing table: every endpoint in docs/openapi.yaml, and nothing else.
enum Routes {
    static func make(coordinator: CoordinatorClient) -> Router {
        var router = Router()
        let health = HealthEndpoint(coordinator: coordinator)
        router.add("GET", "/healthz", health.handle)
        return router
    }
}
