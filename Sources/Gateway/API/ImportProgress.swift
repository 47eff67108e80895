import Wire
import WireRuntime

/// What an import has stored, and where it stopped: the one place that decides the line an
/// import stopped at, its status, and its answer.
///
/// Batches are settled in the order they were sent. The first batch the coordinator did not
/// confirm is where the import stops, whatever else happened: the client resends from its first
/// line, so no batch after it is counted, even one confirmed later (its lines come again).
struct ImportProgress {
    /// Where an import stopped early and why.
    struct Stop {
        /// The first line not imported: every line before it was imported or rejected.
        let line: Int
        /// Lines before `line` that were rejected.
        let rejectedBefore: Int
        let cause: APIError
        /// Whether a batch failed: then lines from `line` on may have been written in part.
        let batchFailed: Bool
    }

    private(set) var counts = ImportCounts()
    private var failedBatch: Stop?

    /// Whether a batch has failed: nothing more is worth sending.
    var hasFailed: Bool { failedBatch != nil }

    /// The coordinator's answer to `batch`, in the order the batches were sent.
    mutating func settle(_ batch: ImportParsing.Batch, _ result: Result<ImportCounts, APIError>) {
        guard failedBatch == nil else { return }
        switch result {
        case .success(let imported):
            counts = counts + imported
        case .failure(let cause):
            failedBatch = Stop(line: batch.firstLine, rejectedBefore: batch.rejectedBefore, cause: cause, batchFailed: true)
        }
    }

    /// Where the import stopped, once every batch sent is settled; nil when it ran to the end.
    /// `bodyEnded` is why the body was cut short (the body limit, the idle deadline, the client
    /// gone) and the first line whose end did not arrive; a failed batch stops it earlier.
    func stop(bodyEnded: (cause: APIError, firstUnendedLine: Int)?, rejectedTotal: Int) -> Stop? {
        failedBatch ?? bodyEnded.map { Stop(line: $0.firstUnendedLine, rejectedBefore: rejectedTotal, cause: $0.cause, batchFailed: false) }
    }

    /// The answer: 200 with the counts and the rejected lines, or, for an import stopped early,
    /// the status of its cause with the same fields, `stoppedAtLine`, and what to do about it.
    func response(rejected: [(line: Int, error: String)], rejectedTotal: Int, stop: Stop?) -> HTTPResponse {
        let end = stop?.line ?? .max
        let listed = rejected.filter { $0.line < end }
        let rejections = listed.map { "{\"line\":\($0.line),\"error\":\(JSONText.quoted($0.error))}" }.joined(separator: ",")
        let fields = """
            "imported":{"contacts":\(counts.contacts),"applications":\(counts.applications),"conversations":\(counts.conversations),\
            "messages":\(counts.messages)},"rejected":[\(rejections)],"rejectedTotal":\(stop?.rejectedBefore ?? rejectedTotal)
            """
        guard let stop else { return .json(200, "{\(fields)}") }
        let refusal = stop.cause.response
        let error = Self.errorFields(of: refusal)
        let body = """
            {\(fields),"stoppedAtLine":\(stop.line),"error":\(JSONText.quoted(error.short)),"message":\(JSONText.quoted(message(stop, cause: error.message)))}
            """
        return HTTPResponse(status: refusal.status, headers: refusal.headers, body: Array(body.utf8))
    }

    /// The gateway's one log line for an import request: its org and requester, what it imported and
    /// rejected, how long it took, and, when it stopped early, the line it stopped at and why. Counts
    /// and line numbers only: no field of a record.
    func logLine(org: String, requester: String, took: Duration, rejectedTotal: Int, stop: Stop?) -> String {
        let tenths = took.components.seconds * 10 + took.components.attoseconds / 100_000_000_000_000_000
        let line = """
            import for org \(org) by \(requester) in \(tenths / 10).\(tenths % 10) s: imported \(counts.contacts) contacts, \
            \(counts.applications) applications, \(counts.conversations) conversations, \(counts.messages) messages; \
            \(stop?.rejectedBefore ?? rejectedTotal) lines rejected
            """
        guard let stop else { return line }
        return "\(line); stopped at line \(stop.line) with \(stop.cause.response.status): \(Self.errorFields(of: stop.cause.response).message)"
    }

    private func message(_ stop: Stop, cause: String) -> String {
        let kept = "Import stopped at line \(stop.line): \(cause) Every line before \(stop.line) was imported or rejected (see rejected);"
        guard stop.batchFailed else {
            return "\(kept) nothing from line \(stop.line) on was stored: send the lines from line \(stop.line) on in a new request."
        }
        return """
            \(kept) lines from \(stop.line) on may have been written in part: send them again from line \(stop.line) in a new request \
            once the cluster is healthy (a line with an _id replaces its record; one without is added again).
            """
    }

    /// The short error and the message of an `{"error","message"}` answer.
    private static func errorFields(of response: HTTPResponse) -> (short: String, message: String) {
        guard case .object(let object)? = try? JSONValue.parse(response.body),
            case .string(let short)? = object["error"], case .string(let message)? = object["message"]
        else { return ("Import stopped", "") }
        return (short, message)
    }
}
