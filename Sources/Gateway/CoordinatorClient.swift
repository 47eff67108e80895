import Wire
import WireRuntime
import WireTransport

/// The gateway's side of its link to the coordinator: makes the gateway's calls, and
/// turns "not connected" and time-outs into a 503 the caller can act on.
struct CoordinatorClient: Sendable {
    let link: PeerLink
    let timeout: Duration

    /// Makes `call` and waits for its reply, up to `timeout` (nil: the client's); a transport
    /// failure or a `RemoteFailure` throws as an `APIError`.
    func send<C: GatewayCall.Member>(_ call: C, timeout: Duration? = nil) async throws(APIError) -> C.Reply {
        do {
            return try await link.call(call, as: \.gatewayCall, timeout: timeout ?? self.timeout)
        } catch let failure as RemoteFailure {
            throw .remote(failure)
        } catch let error as ConnectionError where error.isFrameTooLarge {
            // Nothing was sent: the request itself is too big, which the caller can fix.
            throw .remote(RemoteFailure(.badRequest, "\(error)"))
        } catch let error as ConnectionError where error.isUnreadableReply {
            // The coordinator answered, so it is up: a reply that does not read is a bug, not an outage.
            throw .internalError("\(error)")
        } catch let error as ConnectionError {
            throw .coordinatorUnavailable("\(error)")
        } catch {
            throw .internalError("\(error)")
        }
    }
}

/// What the coordinator sends the gateway unasked: logged socket events,
/// handed to the event hub on the loop thread; a changed job's document also
/// refreshes the job cache. Calls are refused.
struct GatewayLinkDelegate: ConnectionDelegate {
    let events: EventHub
    let jobs: JobCache
    let log: Log

    func answer(_ call: CallFrame, on connection: Connection) async -> Answer {
        .failure(RemoteFailure(.badRequest, "the gateway answers no requests"))
    }

    func received(_ notice: Notice, on connection: Connection) async {
        switch notice {
        case .events(let batch):
            let rendered = batch.map { event in
                switch event.body {
                case .contactRemoved, .contactRestored: RenderedEvent(logged: event)
                // Rendered once, for the poll cache and the event stream alike.
                case .jobProgress(let document): RenderedEvent(seq: event.seq, org: event.org, type: "bulk_job_progress", data: jobs.store(document))
                }
            }
            let events = events
            events.loop.execute { events.publish(rendered) }
        case .heartbeat, .sliceProgress:
            return
        }
    }

    /// Without the link no changes are pushed, so no copy can be vouched for,
    /// and every subscriber must catch up from the log once it is back.
    func closed(_ connection: Connection, error: (any Error)?) async {
        jobs.clear()
        let events = events
        events.loop.execute { events.linkLost() }
    }
}
