import Wire

/// The log lines of what a user asked of a job that its document does not record: who cancelled
/// it, who rethrottled it and from what rate, and a job refused by its `expectedCount` guard.
/// Each names the org, the job (or, for a refusal, the request's requester) and the user id of
/// whoever asked; never a filter's values (`FilterShape`).
enum JobRequestLines {
    static func cancelled(_ document: JobDocument, by user: String) -> String {
        "\(JobLifecycle.name(document)) cancelled by \(user) (now \(document.status), \(document.counters.processed) processed)"
    }

    static func rethrottled(_ document: JobDocument, from previous: Double?, by user: String) -> String {
        "\(JobLifecycle.name(document)) rethrottled by \(user) from \(rate(previous)) to \(rate(document.requestsPerSecond))"
    }

    /// A job request refused because `expected` records were to match and `matching` do.
    static func expectedCountRefused(_ request: JobRequest, expected: UInt64, matching: UInt64) -> String {
        """
        refused org \(request.org): a bulk \(request.kind) requested by \(request.requester) expected \(expected) records, \
        \(matching) match now (409); filter \(FilterShape.describe(request.filterJSON))
        """
    }

    /// A job creation refused with 429 (the org's running jobs, or its creation rate): `reason` is the answer's message.
    static func creationRefused(_ request: JobRequest, reason: String) -> String {
        "429 on a bulk \(request.kind) requested by \(request.requester): \(reason)"
    }

    /// A throttle as the API takes it: records a second, or unthrottled.
    private static func rate(_ requestsPerSecond: Double?) -> String {
        guard let requestsPerSecond else { return "unthrottled" }
        let whole = requestsPerSecond.rounded()
        return whole == requestsPerSecond && whole < 1e15 ? "\(Int64(whole))/s" : "\(requestsPerSecond)/s"
    }
}
