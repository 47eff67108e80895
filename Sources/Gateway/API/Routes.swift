import Wire

/// The gateway's routing table: every endpoint in docs/openapi.yaml, and nothing else.
enum Routes {
    static func make(
        coordinator: CoordinatorClient, jobs: JobCache, authenticator: Authenticator, limits: GatewayLimits, metrics: GatewayMetrics,
        documents: BuiltInDocuments, log: Log
    ) -> Router {
        var router = Router()
        let auth = Authenticated(authenticator: authenticator)
        let health = HealthEndpoint(coordinator: coordinator)
        let contacts = ContactEndpoints(coordinator: coordinator)
        let importer = ImportEndpoint(coordinator: coordinator, lineLimit: limits.importLineBytes, batchTimeout: limits.importBatchTimeout, log: log)
        let bulkDelete = BulkDeleteEndpoints(coordinator: coordinator, jobs: jobs)
        let logs = LogEndpoints(coordinator: coordinator)
        let reads = ReadRate(perSecond: limits.readsPerSecond)
        router.add("GET", "/healthz", health.handle)
        router.add("GET", "/metrics", MetricsEndpoint(coordinator: coordinator, metrics: metrics).handle)
        router.add("GET", "/openapi.yaml") { _ in HTTPResponse(status: 200, headers: [("Content-Type", "application/yaml")], body: documents.openAPI) }
        router.add("GET", "/jobs/{jobId}") { _ in HTTPResponse(status: 200, headers: BuiltInDocuments.jobPageHeaders, body: documents.jobPage) }
        router.addStreaming("POST", "/api/contacts/import", bodyLimit: limits.importBodyBytes, auth.streaming(write: true, importer.handle))
        router.add("POST", "/api/contacts/query-count", auth.buffered(write: false, reads.limited(contacts.queryCount)))
        router.add("POST", "/api/contacts/query", query: ["limit", "cursor"], auth.buffered(write: false, reads.limited(contacts.query)))
        router.add("DELETE", "/api/contacts/query-bulk-delete", auth.buffered(write: true, bulkDelete.start))
        // Polls: answered on the loop thread from the gateway's copy of the job when it can be.
        router.add(
            "GET", "/api/contacts/bulk-job/{jobId}", immediate: auth.immediate(bulkDelete.cachedStatus), auth.buffered(write: false, bulkDelete.status))
        router.add("DELETE", "/api/contacts/bulk-job/{jobId}", auth.buffered(write: true, bulkDelete.cancel))
        router.add(
            "POST", "/api/contacts/bulk-job/{jobId}/rethrottle", query: ["requestsPerSecond"], auth.buffered(write: true, bulkDelete.rethrottle))
        router.add("GET", "/api/contacts/bulk-jobs", query: ["limit", "cursor", "status"], auth.buffered(write: false, bulkDelete.list))
        router.add("GET", "/api/event-logs", query: LogEndpoints.auditParameters, auth.buffered(write: false, reads.limited(logs.eventLogs)))
        router.add("GET", "/api/notifications", query: LogEndpoints.notificationParameters, auth.buffered(write: false, reads.limited(logs.notifications)))
        router.addEventStream("GET", "/api/events", auth.eventStream())
        router.add("GET", "/api/contacts/stats", auth.buffered(write: false, reads.limited(contacts.stats)))
        router.add("GET", "/api/contacts/{id}", auth.buffered(write: false, reads.limited(contacts.contact)))
        return router
    }
}
