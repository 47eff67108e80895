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
        let job = JobRequest(
            spec: JobSpec(kind: .delete, org: claims.orgId, requester: claims.subject, filter: filter), filterJSON: FilterJSON.render(filter),
            expectedCount: options.expectedCount, idempotencyKey: key, requestsPerSecond: options.requestsPerSecond, ignoredKeys: ignoredKeys)
        let registered = try await coordinator.send(job)
        let (document, replayed) = (registered.document, registered.replayed)
        jobs.store(document)
        // A replay is the original API's answer too, saying that nothing new started.
        let message = replayed
            ? "Replayed: job \(document.jobId) was started by an earlier request with this Idempotency-Key (now \(document.status))"
            : "Bulk delete started"
        return .json(
            202,
            "{\"jobId\":\(JSONText.quoted(document.jobId)),\"message\":\(JSONText.quoted(message)),\"ignoredKeys\":\(JSONText.array(document.ignoredKeys))}",
            headers: replayed ? [("Idempotent-Replayed", "true")] : [])
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
            guard let before = Int64(text, radix: 16), before > 0 else { throw QueryString.unknownCursor }
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

/// A job document in the shape API.md gives it.
enum JobJSON {
    /// While some shard has not counted its matches yet, `total`, `percent` and
    /// `etaSeconds` are null ("still counting"), never a smaller number that
    /// later grows; a running job is never at 100 %.
    static func render(_ job: JobDocument) -> String {
        let counters = job.counters
        let finished = job.status.isFinished
        let counted = finished || job.totalKnown
        let share = counters.total == 0 ? (finished ? 100 : 0) : Double(counters.processed) * 100 / Double(counters.total)
        let percent: String
        let eta: String
        if !counted {
            percent = "null"
            eta = "null"
        } else if finished {
            percent = number(share)
            eta = "0"
        } else {
            // One decimal: 99.96 would print as 100.0.
            percent = number(min(share, Self.mostWhileRunning))
            eta = job.ratePerSecond.flatMap { $0 > 0 ? number(Double(counters.remaining) / $0) : nil } ?? "null"
        }
        let shards = job.shards.map { slice in
            """
            {"shard":\(slice.shard),"status":"\(slice.status)","total":\(slice.counters.total),"processed":\(slice.counters.processed),\
            "deleted":\(slice.counters.deleted),"restarts":\(slice.restarts)}
            """
        }.joined(separator: ",")
        let errors = job.errors.map { "{\"contactId\":\(JSONText.quoted($0.recordId)),\"message\":\(JSONText.quoted($0.message))}" }
            .joined(separator: ",")
        let time = { (milliseconds: Int64?) in milliseconds.map { JSONText.quoted(ISO8601.string(fromMilliseconds: $0)) } ?? "null" }
        return """
            {"jobId":\(JSONText.quoted(job.jobId)),"type":"\(job.kind)","status":"\(job.status)",\
            "total":\(counted ? "\(counters.total)" : "null"),"processed":\(counters.processed),"deleted":\(counters.deleted),\
            "skipped":\(counters.skipped),"failed":\(counters.failed),"percent":\(percent),\
            "ratePerSecond":\(job.ratePerSecond.map(number) ?? "null"),"etaSeconds":\(eta),\
            "cascade":{"conversations":\(counters.conversations),"messages":\(counters.messages),\
            "auditEntries":\(counters.auditEntries),"notifications":\(counters.notifications),"events":\(counters.events),\
            "applications":\(counters.applications)},\
            "requestsPerSecond":\(Throttle.json(job.requestsPerSecond)),\
            "shards":[\(shards)],"errors":[\(errors)],"filter":\(job.filterJSON),"ignoredKeys":\(JSONText.array(job.ignoredKeys)),\
            "requestedBy":\(JSONText.quoted(job.requestedBy)),\
            "createdAt":\(time(job.createdAt)),"startedAt":\(time(job.startedAt)),"updatedAt":\(time(job.updatedAt)),\
            "finishedAt":\(time(job.finishedAt))}
            """
    }

    /// The highest `percent` a running job shows.
    static let mostWhileRunning = 99.9

    /// One decimal, as JSON: 50.0, 21000.3.
    private static func number(_ value: Double) -> String {
        "\((value * 10).rounded() / 10)"
    }
}
