#if canImport(Glibc)
import Glibc
#endif

/// Wraps endpoint code that needs a caller: checks the bearer token (and, for
/// `write`, the role), then maps any `APIError` the endpoint throws to its
/// response — the one place errors become statuses.
struct Authenticated: Sendable {
    let authenticator: Authenticator

    func buffered(write: Bool, _ endpoint: @escaping @Sendable (HTTPRequest, Claims) async throws(APIError) -> HTTPResponse) -> Router.Handler {
        { request in
            do throws(APIError) {
                let claims = try authenticator.authenticate(request.head, now: Int64(time(nil)), write: write)
                return try await endpoint(request, claims)
            } catch {
                return error.response
            }
        }
    }

    /// The loop-thread answer of a read endpoint, for a token already verified; anything
    /// else (a new or refused token, a miss of `endpoint`) goes to the buffered handler.
    func immediate(_ endpoint: @escaping @Sendable (HTTPRequest, Claims) -> HTTPResponse?) -> Router.ImmediateHandler {
        { request in
            guard let claims = authenticator.rememberedClaims(request.head, now: Int64(time(nil)), write: false) else { return nil }
            return endpoint(request, claims)
        }
    }

    func streaming(
        write: Bool, _ endpoint: @escaping @Sendable (HTTPRequest, RequestBody, Claims) async throws(APIError) -> HTTPResponse
    ) -> Router.StreamingHandler {
        { request, body in
            do throws(APIError) {
                let claims = try authenticator.authenticate(request.head, now: Int64(time(nil)), write: write)
                return try await endpoint(request, body, claims)
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
                let claims = try authenticator.authenticate(request.head, now: Int64(time(nil)), write: false)
                let start = try EventCursor.Start(lastEventId: request.head.headers["last-event-id"])
                // `authenticate` has just accepted this header's bearer token.
                guard let token = request.head.headers["authorization"].flatMap({ try? TokenVerifier.bearerToken($0) }) else {
                    throw .internalError("an authenticated request lost its bearer token")
                }
                return .subscribe(org: claims.orgId, token: String(token), start: start)
            } catch {
                return .refuse(error.response)
            }
        }
    }
}
