import Wire

/// `GET /api/events` subscribers and each org's recent events, on the loop thread.
///
/// Every event is kept in its org's replay window (the last `replayWindow`
/// events) so a client reconnecting with `Last-Event-ID` gets what it missed.
/// A subscriber more than `subscriberBacklogLimit` bytes behind is dropped
/// (it may reconnect): a slow reader never slows the deletion or grows memory.
final class EventHub: @unchecked Sendable {
    // Invariant for @unchecked Sendable: every property is touched only on
    // `loop`'s thread; other threads hand events over with `loop.execute`.
    struct Event {
        let id: String
        let type: String
        let data: String

        var frame: [UInt8] { Array("id: \(id)\nevent: \(type)\ndata: \(data)\n\n".utf8) }
    }

    /// Events kept per org for `Last-Event-ID` replay.
    static let replayWindow = 10_000
    /// Unsent bytes a subscriber may fall behind by before it is dropped.
    static let subscriberBacklogLimit = 1 << 20

    let loop: EventLoop
    private var recent: [String: [Event]] = [:]
    private var subscribers: [String: [ObjectIdentifier: StreamChannel]] = [:]
    /// The revision last published per job, so a late-arriving older document is not sent after a newer one.
    private var lastProgress: [String: UInt64] = [:]

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Keeps and sends one event to the org's subscribers.
    func publish(org: String, _ event: Event) {
        loop.assertInLoop()
        // Mutated in place: a local copy of the window would be copied whole for every event.
        recent[org, default: []].append(event)
        // Trim in chunks so the window is not shifted on every event.
        if let count = recent[org]?.count, count > Self.replayWindow + Self.replayWindow / 10 {
            recent[org]?.removeFirst(count - Self.replayWindow)
        }
        let frame = event.frame
        for (key, channel) in subscribers[org] ?? [:] {
            guard channel.queuedBytes <= Self.subscriberBacklogLimit else {
                subscribers[org]?[key] = nil
                channel.close(nil)
                continue
            }
            channel.write(frame)
        }
    }

    /// Publishes a job's document, already rendered as `json`, as a `bulk_job_progress`
    /// event, unless it is not newer than one already sent. Its id names the
    /// document's revision, so no two progress events share one.
    func publishProgress(_ job: JobDocument, rendered json: String) {
        if let last = lastProgress[job.jobId], job.revision <= last { return }
        lastProgress[job.jobId] = job.revision
        publish(org: job.org, Event(id: "job-\(job.jobId)-r\(job.revision)", type: "bulk_job_progress", data: json))
    }

    /// Adds a subscriber, first replaying what it missed since `lastEventId`
    /// (the whole window when that id is older than the window or unknown).
    func subscribe(org: String, channel: StreamChannel, lastEventId: String?) {
        loop.assertInLoop()
        if let lastEventId {
            let window = recent[org] ?? []
            let start = window.lastIndex { $0.id == lastEventId }.map { $0 + 1 } ?? 0
            for event in window[start...] { channel.write(event.frame) }
        }
        subscribers[org, default: [:]][ObjectIdentifier(channel)] = channel
    }

    func unsubscribe(org: String, channel: StreamChannel) {
        loop.assertInLoop()
        subscribers[org]?[ObjectIdentifier(channel)] = nil
    }

    /// A comment line to every subscriber, so proxies and clients see the stream is alive.
    func keepAlive() {
        loop.assertInLoop()
        for channels in subscribers.values {
            for channel in channels.values { channel.write(Array(": keep-alive\n\n".utf8)) }
        }
    }
}
