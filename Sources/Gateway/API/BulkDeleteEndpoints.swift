import Wire
import WireRuntime

/// The original API's bulk-delete endpoint and the job it starts.
struct BulkDeleteEndpoints: Sendable {
    let coordinator: CoordinatorClient
    /// Job documents as the coordinator last pushed or returned them: polls are answered from it.
    let jobs: JobCache

    /// Matches a dry run shows besides its count: the first, in id order.
    static let dryRunSample = 20
    /// `GET /api/contacts/bulk-jobs?limit=n`: the default and the most.
    static let defaultListLimit = 20
    static let maxListLimit = 100

    /// `DELETE /api/contacts/query-bulk-delete`: 202 with the job id once the
    /// coordinator has registered the job durably, so the first poll finds it.
    /// `dryRun: true` answers the count and the first `dryRunSample` matches instead; `expectedCount` refuses (409)
    /// unless exactly that many match; `Idempotency-Key` replays the first job. Both answers list the top-level
    /// keys that were ignored (`ignoredKeys`), so a caller sees what did not narrow the delete.
    func start(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        let key = try IdempotencyKey.of(request.head.headers)
        let body = try FilterParser.object(request.body)
        let (filter, ignoredKeys) = try FilterParser.filter(in: body, requester: claims.subject)
        let options = try DeleteOptions(in: body)
        if options.dryRun {
            let count = try await coordinator.send(CountMatching(org: claims.orgId, filter: filter))
            // The same guard as the delete's: a preview that passes is one the delete would pass.
            if let expected = options.expectedCount, expected != count {
                throw .remote(.expectedCountMismatch(expected: expected, matching: count))
            }
            let sample = try await coordinator.send(RecordQuery(org: claims.orgId, filter: filter, after: nil, limit: UInt32(Self.dryRunSample)))
            return .json(
                200,
                "{\"count\":\(count),\"sample\":\(ContactEndpoints.json(sample.records, org: claims.orgId)),\"ignoredKeys\":\(JSONText.array(ignoredKeys))}")
        }
        let spec = JobSpec(kind: .delete, org: claims.orgId, requester: claims.subject, filter: filter, permanent: options.permanent)
        let job = JobRequest(
            spec: spec, filterJSON: FilterJSON.render(filter), expectedCount: options.expectedCount, idempotencyKey: key,
            requestsPerSecond: options.requestsPerSecond, ignoredKeys: ignoredKeys)
        let registered = try await coordinator.send(job)
        return started(registered, "Bulk delete started", extra: ",\"ignoredKeys\":\(JSONText.array(registered.document.ignoredKeys))")
    }

    /// `POST /api/contacts/bulk-job/{jobId}/restore`: 202 with the id of a new job of type restore that
    /// puts back what the delete `jobId` kept. The body is empty or `{}`: a restore has no options, and
    /// one that seemed to take some (a filter, a throttle) must not run without them. The registry
    /// answers 404 for another org's job, 409 while the delete runs or once a restore of it started, and
    /// 410 when it kept nothing or no longer keeps it. `Idempotency-Key` replays as for a delete.
    func restore(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        let key = try IdempotencyKey.of(request.head.headers)
        try Self.requireNoOptions(request.body)
        let jobId = request.parameters["jobId"] ?? ""
        let registered = try await coordinator.send(Self.restoring(jobId, claims, idempotencyKey: key))
        // The delete now names its restore: its next poll must show it.
        jobs.forget(jobId)
        return started(registered, "Restore started")
    }

    /// The job that restores the delete `jobId` on behalf of `claims`. Its filter and the filter shown
    /// are left to the registry, which copies the delete's (which pipeline it kept).
    static func restoring(_ jobId: String, _ claims: Claims, idempotencyKey: String?) -> JobRequest {
        let spec = JobSpec(kind: .restore, org: claims.orgId, requester: claims.subject, filter: ContactFilter(), restores: jobId)
        return JobRequest(spec: spec, filterJSON: "", idempotencyKey: idempotencyKey)
    }

    /// The 202 of a job just registered: its id and `message`, then `extra` fields. A replay is the
    /// original API's answer too, saying that nothing new started, with `Idempotent-Replayed: true`.
    private func started(_ registered: RegisteredJob, _ message: String, extra: String = "") -> HTTPResponse {
        let document = registered.document
        jobs.store(document)
        let message = registered.replayed
            ? "Replayed: job \(document.jobId) was started by an earlier request with this Idempotency-Key (now \(document.status))"
            : message
        return .json(
            202, "{\"jobId\":\(JSONText.quoted(document.jobId)),\"message\":\(JSONText.quoted(message))\(extra)}",
            headers: registered.replayed ? [("Idempotent-Replayed", "true")] : [])
    }

    /// A restore's body: nothing, or an empty JSON object; `.invalidBody` saying so for anything else.
    static func requireNoOptions(_ body: [UInt8]) throws(APIError) {
        guard !body.isEmpty else { return }
        let explanation = "a restore takes no options: send no body or {}; it puts back everything its delete kept."
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            throw .invalidBody("The body is not strict JSON (\(error.message)); \(explanation)")
        }
        guard case .object(let object) = value else { throw .invalidBody("The body is \(value.description), not {}; \(explanation)") }
        // The first few keys, in order, so the message names the same ones every time and stays short.
        let keys = object.keys.sorted().prefix(3).map(JSONValue.quotedExcerpt).joined(separator: ", ")
        guard object.isEmpty else { throw .invalidBody("The body holds \(keys)\(object.count > 3 ? ", …" : ""); \(explanation)") }
    }

    /// `GET /api/contacts/bulk-jobs?limit=n&cursor=c&status=s`: the org's jobs, newest first, a page at a time.
    func list(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        let parameters = QueryString(request.head.query)
        var query = JobListQuery(org: claims.orgId, limit: try parameters.pageLimit(standard: Self.defaultListLimit, maximum: Self.maxListLimit))
        if let text = parameters["status"] {
            guard let status = JobDocument.Status.allCases.first(where: { $0.description == text }) else {
                throw .invalidQuery(
                    "status must be one of \(JobDocument.Status.allCases.map(\.description).joined(separator: ", ")), got \(JSONValue.quotedExcerpt(text)).")
            }
            query.status = status
        }
        if let text = parameters["cursor"] {
            guard let before = QueryString.position(text[...]), before > 0 else { throw QueryString.unknownCursor }
            query.before = before
        }
        let list = try await coordinator.send(query)
        let next = list.next.map { JSONText.quoted(String($0, radix: 16)) } ?? "null"
        return .json(200, "{\"jobs\":[\(list.documents.map { jobs.store($0) }.joined(separator: ","))],\"nextCursor\":\(next)}")
    }

    /// `DELETE /api/contacts/bulk-job/{jobId}`: 202 cancelling; every shard stops at its next batch boundary.
    func cancel(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        let jobId = request.parameters["jobId"] ?? ""
        guard let document = try await coordinator.send(CancelJob(org: claims.orgId, jobId: jobId, by: claims.subject)) else {
            throw Self.notFound(jobId)
        }
        jobs.store(document)
        return .json(202, "{\"jobId\":\(JSONText.quoted(document.jobId)),\"status\":\"\(document.status)\"}")
    }

    /// `POST /api/contacts/bulk-job/{jobId}/rethrottle?requestsPerSecond=r`: the job with its new
    /// throttle, which every shard takes up at its next batch; -1 or no parameter: unthrottled.
    func rethrottle(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        let jobId = request.parameters["jobId"] ?? ""
        var requestsPerSecond: Double?
        if let text = QueryString(request.head.query)["requestsPerSecond"] {
            guard let rate = Throttle.requestsPerSecond(text) else { throw .invalidQuery(Throttle.explanation(got: JSONValue.quotedExcerpt(text))) }
            requestsPerSecond = rate
        }
        let change = RethrottleJob(org: claims.orgId, jobId: jobId, requestsPerSecond: requestsPerSecond, by: claims.subject)
        guard let document = try await coordinator.send(change) else { throw Self.notFound(jobId) }
        return .json(200, jobs.store(document))
    }

    /// `GET /api/contacts/bulk-job/{jobId}` from the gateway's copy of the job, when it holds a
    /// current one: the document, or 404 when it is another org's job. Nil: ask `status`.
    func cachedStatus(_ request: HTTPRequest, _ claims: Claims) -> HTTPResponse? {
        let jobId = request.parameters["jobId"] ?? ""
        guard let copy = jobs.lookup(jobId) else { return nil }
        guard copy.org == claims.orgId else { return Self.notFound(jobId).response }
        return .json(200, copy.json)
    }

    /// `GET /api/contacts/bulk-job/{jobId}`: the job document; 404 for an unknown job or another org's.
    func status(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        if let answer = cachedStatus(request, claims) { return answer }
        let jobId = request.parameters["jobId"] ?? ""
        guard let document = try await coordinator.send(ReadJob(org: claims.orgId, jobId: jobId)) else { throw Self.notFound(jobId) }
        return .json(200, jobs.store(document))
    }

    /// Another org's job is answered as if it did not exist.
    private static func notFound(_ jobId: String) -> APIError {
        .remote(RemoteFailure(.notFound, "No bulk job \(jobId) in your organization."))
    }
}
