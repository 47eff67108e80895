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
        } catch let error as ConnectionError where error.isFrameTooLarge {
            // Nothing was sent: the request itself is too big, which the caller can fix.
            throw .remote(RemoteFailure(.badRequest, "\(error)"))
        } catch let error as ConnectionError {
            throw .coordinatorUnavailable("\(error)")
        } catch {
            throw .internalError("\(error)")
        }
    }
}

/// What the coordinator sends the gateway unasked: socket events and job
/// changes, handed to the event hub on the loop thread; job changes also
/// refresh the job cache. Requests are refused.
struct GatewayLinkDelegate: ConnectionDelegate {
    let events: EventHub
    let jobs: JobCache
    let log: Log

    func handle(_ request: Request, on connection: Connection) async -> Response {
        .failure(RemoteFailure(.badRequest, "the gateway answers no requests"))
    }

    func received(_ notice: Notice, on connection: Connection) async {
        let events = events
        switch notice {
        case .events(let batch):
            events.loop.execute {
                for event in batch { events.publish(org: event.org, EventHub.Event(id: event.id, type: event.type, data: event.payload)) }
            }
        case .jobChanged(let job):
            // Rendered once, for the poll cache and the event stream alike.
            let json = jobs.store(job)
            events.loop.execute { events.publishProgress(job, rendered: json) }
        case .heartbeat, .sliceProgress:
            return
        }
    }

    /// Without the link no changes are pushed, so no copy can be vouched for.
    func closed(_ connection: Connection, error: (any Error)?) async {
        jobs.clear()
    }
}
