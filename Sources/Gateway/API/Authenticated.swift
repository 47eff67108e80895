#if canImport(Glibc)
import Glibc
#endif

/// Endpoint code that needs a caller: `reader` and `writer` are the routes' admissions, which
/// check the bearer token (and, for `writer`, the role) once, at the request's head; the
/// wrappers hand the endpoint the claims they gave and map any `APIError` it throws to its
/// response — the one place errors become statuses.
struct Authenticated: Sendable {
    let authenticator: Authenticator

    /// Admits any valid token.
    var reader: Router.Admission { admission(write: false) }
    /// Admits a valid token whose role may change data.
    var writer: Router.Admission { admission(write: true) }

    private func admission(write: Bool) -> Router.Admission {
        { [authenticator] head in
            Result { () throws(APIError) in try authenticator.authenticate(head, now: Int64(time(nil)), write: write) }
        }
    }

    func buffered(_ endpoint: @escaping @Sendable (HTTPRequest, Claims) async throws(APIError) -> HTTPResponse) -> Router.Handler {
        { request in
            do throws(APIError) {
                return try await endpoint(request, try Self.claims(of: request))
            } catch {
                return error.response
            }
        }
    }

    /// The loop-thread answer of a read endpoint; a miss of `endpoint` goes to the buffered handler.
    func immediate(_ endpoint: @escaping @Sendable (HTTPRequest, Claims) -> HTTPResponse?) -> Router.ImmediateHandler {
        { request in request.claims.flatMap { endpoint(request, $0) } }
    }

    func streaming(_ endpoint: @escaping @Sendable (HTTPRequest, RequestBody, Claims) async throws(APIError) -> HTTPResponse) -> Router.StreamingHandler {
        { request, body in
            do throws(APIError) {
                return try await endpoint(request, body, try Self.claims(of: request))
            } catch {
                return error.response
            }
        }
    }

    /// `GET /api/events`: any valid token subscribes to its own org's events, from its
    /// `Last-Event-ID` when that is an id of ours (400 otherwise, after the token is checked).
    func eventStream() -> Router.EventStreamHandler {
        { request in
            do throws(APIError) {
                let claims = try Self.claims(of: request)
                let start = try EventCursor.Start(lastEventId: request.head.headers["last-event-id"])
                // The head's admission has just accepted this header's bearer token.
                guard let token = request.head.headers["authorization"].flatMap({ try? TokenVerifier.bearerToken($0) }) else {
                    throw .internalError("an authenticated request lost its bearer token")
                }
                return .subscribe(org: claims.orgId, token: String(token), start: start)
            } catch {
                return .refuse(error.response)
            }
        }
    }

    /// The claims the route's admission gave; a route wrapped here without one is our bug.
    private static func claims(of request: HTTPRequest) throws(APIError) -> Claims {
        guard let claims = request.claims else { throw .internalError("\(request.head.path) needs a token but its route admits without one") }
        return claims
    }
}
