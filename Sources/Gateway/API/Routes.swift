import WireRuntime

/// The gateway's routing table: every endpoint in docs/openapi.yaml, and nothing else.
enum Routes {
    static func make(
        coordinator: CoordinatorClient, jobs: JobCache, authenticator: Authenticator, limits: GatewayLimits, metrics: GatewayMetrics,
        documents: BuiltInDocuments, clock: any ProcessClock = SystemClock(), log: Log
    ) -> Router {
        var router = Router()
        let auth = Authenticated(authenticator: authenticator)
        let health = HealthEndpoint(coordinator: coordinator)
        let contacts = ContactEndpoints(coordinator: coordinator)
        let importer = ImportEndpoint(coordinator: coordinator, lineLimit: limits.importLineBytes, batchTimeout: limits.importBatchTimeout, log: log)
        let bulkDelete = BulkDeleteEndpoints(coordinator: coordinator, jobs: jobs)
        let logs = LogEndpoints(coordinator: coordinator)
        let reads = ReadRate(perSecond: limits.readsPerSecond, refusals: RefusalLog(log: log), clock: clock)
        router.add("GET", "/healthz", health.handle)
        router.add("GET", "/metrics", MetricsEndpoint(coordinator: coordinator, metrics: metrics).handle)
        router.add("GET", "/openapi.yaml") { _ in HTTPResponse(status: 200, headers: [("Content-Type", "application/yaml")], body: documents.openAPI) }
        router.add("GET", "/jobs/{jobId}") { _ in HTTPResponse(status: 200, headers: documents.jobPageHeaders, body: documents.jobPage) }
        router.addStreaming("POST", "/api/contacts/import", bodyLimit: limits.importBodyBytes, admission: auth.writer, auth.streaming(importer.handle))
        router.add("POST", "/api/contacts/query-count", admission: auth.reader, auth.buffered(reads.limited(contacts.queryCount)))
        router.add("POST", "/api/contacts/query", query: ["limit", "cursor"], admission: auth.reader, auth.buffered(reads.limited(contacts.query)))
        router.add("DELETE", "/api/contacts/query-bulk-delete", admission: auth.writer, auth.buffered(bulkDelete.start))
        // Polls: answered on the loop thread from the gateway's copy of the job when it can be.
        router.add(
            "GET", "/api/contacts/bulk-job/{jobId}", admission: auth.reader, immediate: auth.immediate(bulkDelete.cachedStatus),
            auth.buffered(bulkDelete.status))
        router.add("DELETE", "/api/contacts/bulk-job/{jobId}", admission: auth.writer, auth.buffered(bulkDelete.cancel))
        router.add(
            "POST", "/api/contacts/bulk-job/{jobId}/rethrottle", query: ["requestsPerSecond"], admission: auth.writer,
            auth.buffered(bulkDelete.rethrottle))
        router.add("POST", "/api/contacts/bulk-job/{jobId}/restore", admission: auth.writer, auth.buffered(bulkDelete.restore))
        router.add("GET", "/api/contacts/bulk-jobs", query: ["limit", "cursor", "status"], admission: auth.reader, auth.buffered(bulkDelete.list))
        router.add("GET", "/api/event-logs", query: LogEndpoints.auditParameters, admission: auth.reader, auth.buffered(reads.limited(logs.eventLogs)))
        router.add(
            "GET", "/api/notifications", query: LogEndpoints.notificationParameters, admission: auth.reader,
            auth.buffered(reads.limited(logs.notifications)))
        router.addEventStream("GET", "/api/events", admission: auth.reader, auth.eventStream())
        router.add("GET", "/api/contacts/stats", query: ["by"], admission: auth.reader, auth.buffered(reads.limited(contacts.stats)))
        router.add("GET", "/api/contacts/{id}", admission: auth.reader, auth.buffered(reads.limited(contacts.contact)))
        return router
    }
}
