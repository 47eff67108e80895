import Wire

/// Every failure the gateway answers with, mapped to a status and the
/// `{"error","message"}` shape in this one place.
enum APIError: Error, Equatable {
    case malformedRequest(HTTPParseError)
    /// The body is not what the endpoint takes (not JSON, not an object, a wrongly typed field).
    case invalidBody(String)
    /// The query string names an unknown parameter or holds a bad value.
    case invalidQuery(String)
    /// A request header holds a bad value.
    case invalidHeader(String)
    /// The filter names an unknown `advancedParams` key or a wrongly typed value.
    case invalidFilter(String)
    /// The original API's 400: no `stageIds[]` and `orgWide` not true.
    case missingStageIds
    /// No, or an unusable, bearer token.
    case unauthorized(String)
    /// A valid token whose role may not do this.
    case forbidden(String)
    case notFound(path: String)
    case methodNotAllowed(method: String, allowed: [String])
    case tooManyConnections(limit: Int)
    /// A per-token or per-org bound (event streams, the read rate): `message` says which and what to do.
    case tooManyRequests(String, retryAfterSeconds: UInt32)
    /// One peer address holds `limit` connections already.
    case tooManyConnectionsFromAddress(limit: Int)
    case requestTimeout(after: Duration)
    /// A connection that has presented no valid token did not finish a request head in time.
    case headTimeout(after: Duration)
    case coordinatorUnavailable(String)
    case remote(RemoteFailure)
    case internalError(String)

    var response: HTTPResponse {
        switch self {
        case .malformedRequest(let error):
            return .error(error.status, Self.shortName(for: error.status), error.message)
        case .invalidBody(let message):
            return .error(400, "Invalid request body", message)
        case .invalidQuery(let message):
            return .error(400, "Invalid query", message)
        case .invalidHeader(let message):
            return .error(400, "Invalid header", message)
        case .invalidFilter(let message):
            return .error(400, "Invalid filter", message)
        case .missingStageIds:
            return .error(
                400, "stageIds[] is required",
                "Missing `stageIds[]` when `orgWide` is not true: send a non-empty stageIds array, or set orgWide: true to target the whole organization.")
        case .unauthorized(let message):
            return .error(401, "Unauthorized", message, headers: [("WWW-Authenticate", "Bearer")])
        case .forbidden(let message):
            return .error(403, "Forbidden", message)
        case .notFound(let path):
            return .error(404, "Not found", "No endpoint at \(path); see docs/openapi.yaml for the routes this server answers.")
        case .methodNotAllowed(let method, let allowed):
            return .error(
                405, "Method not allowed", "\(method) is not allowed here; use \(allowed.joined(separator: " or ")).",
                headers: [("Allow", allowed.joined(separator: ", "))])
        case .tooManyConnections(let limit):
            return .error(503, "Server busy", "The gateway holds its limit of \(limit) connections; retry shortly.", headers: [("Retry-After", "1")])
        case .tooManyRequests(let message, let retryAfterSeconds):
            return .error(429, "Too many requests", message, headers: [("Retry-After", "\(max(retryAfterSeconds, 1))")])
        case .tooManyConnectionsFromAddress(let limit):
            return .error(
                429, "Too many connections",
                "Your address holds the gateway's limit of \(limit) connections per address; close some or reuse keep-alive connections, then retry.",
                headers: [("Retry-After", "1")])
        case .requestTimeout(let after):
            return .error(408, "Request timeout", "The request did not arrive in full within \(after); send it again promptly.")
        case .headTimeout(let after):
            return .error(
                408, "Request timeout",
                "The request head did not arrive within \(after); until a connection has presented a valid token, send each head at once.")
        case .coordinatorUnavailable(let reason):
            return .error(503, "Service unavailable", "The coordinator cannot be reached (\(reason)); retry shortly.", headers: [("Retry-After", "1")])
        case .remote(let failure):
            switch failure.kind {
            case .badRequest: return .error(400, "Bad request", failure.message)
            case .notFound: return .error(404, "Not found", failure.message)
            case .conflict: return .error(409, "Conflict", failure.message)
            case .gone: return .error(410, "Gone", failure.message)
            case .unavailable: return .error(503, "Service unavailable", failure.message, headers: [("Retry-After", "1")])
            case .internal: return .error(500, "Internal server error", failure.message)
            case .tooManyRequests: return Self.tooManyRequests(failure.message, retryAfterSeconds: failure.retryAfterSeconds ?? 5).response
            }
        case .internalError(let message):
            return .error(500, "Internal server error", message)
        }
    }

    private static func shortName(for status: Int) -> String {
        switch status {
        case 413: "Payload too large"
        case 431: "Headers too large"
        case 501: "Not implemented"
        case 505: "HTTP version not supported"
        default: "Bad request"
        }
    }
}
