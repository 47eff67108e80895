import Wire

/// The gateway's side of its link to the coordinator: sends requests, and
/// turns "not connected" and time-outs into a 503 the caller can act on.
struct CoordinatorClient: Sendable {
    let link: PeerLink
    let timeout: Duration

    /// Sends `request`; a transport failure or a `RemoteFailure` throws as an `APIError`.
    func send(_ request: Request) async throws(APIError) -> Response {
        do {
            return try await link.request(request, timeout: timeout)
        } catch let failure as RemoteFailure {
            throw .remote(failure)
        } catch let error as ConnectionError {
            throw .coordinatorUnavailable("\(error)")
        } catch {
            throw .internalError("\(error)")
        }
    }
}

/// What the coordinator may send the gateway unasked: nothing yet; requests are refused.
struct GatewayLinkDelegate: ConnectionDelegate {
    let log: Log

    func handle(_ request: Request, on connection: Connection) async -> Response {
        .failure(RemoteFailure(.badRequest, "the gateway answers no requests"))
    }

    func received(_ notice: Notice, on connection: Connection) async {}

    func closed(_ connection: Connection, error: (any Error)?) async {}
}
