/// One subscriber's place in the cluster's event log, and what to send it
/// next: pure, so tests feed it pages and live events without sockets.
///
/// A subscriber first catches up from the log (everything after its
/// `Last-Event-ID`, or nothing but the log's head when it sent none), a page
/// at a time, and only then takes live events. Live events that arrive while
/// it catches up are held (at most `heldLimit`; past that they are dropped and
/// read from the log instead), then sent in order. Nothing at or below what it
/// was already sent goes out again, so each event reaches it once per
/// connection, in log order.
///
/// ```
/// subscribe ──▶ catchingUp ──page (full)──▶ catchingUp ──page (short)──▶ live
///                   ▲                                                   │
///                   └──────────────── link to the coordinator lost ─────┘
/// ```
struct EventCursor {
    /// Where the catch-up starts: after an event id, or at the head.
    enum Start: Equatable {
        case after(UInt64)
        case head

        /// What a `Last-Event-ID` header asks for: after an id of ours, or (none) the head.
        /// An id is one the log gave: a positive decimal number that fits its Int64, written
        /// as the server writes it (no sign, no leading zeros); anything else is a 400, since
        /// replaying from a guess would send a client what it has or skip what it lacks.
        init(lastEventId: String?) throws(APIError) {
            guard let lastEventId else {
                self = .head
                return
            }
            let digits = lastEventId.utf8
            guard digits.first.map({ $0 != UInt8(ascii: "0") }) == true,
                digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let id = Int64(lastEventId)
            else {
                let shown = lastEventId.count > 40 ? String(lastEventId.prefix(40)) + "…" : lastEventId
                throw .invalidHeader(
                    "Last-Event-ID must be the id of an event this server sent you (the decimal number of its id: line, such as 1234), "
                        + "got \"\(shown)\"; send the id of the last event you received, or no Last-Event-ID to start with what happens next.")
            }
            self = .after(UInt64(id))
        }
    }

    /// What the shell does next.
    enum Next: Equatable {
        /// Ask the log for up to `limit` events after `after` (nil: from the oldest kept).
        case fetch(after: UInt64?, limit: Int)
        /// Caught up: live events go straight out.
        case live
    }

    private enum Phase {
        case catchingUp(held: [RenderedEvent], overflowed: Bool)
        case live
    }

    /// Events one catch-up page asks for.
    static let pageSize = 1_000
    /// Live events held while catching up; beyond this they are read from the log instead.
    static let heldLimit = 10_000

    private var phase = Phase.catchingUp(held: [], overflowed: false)
    private let start: Start
    /// The newest event sent, nil until the catch-up has placed the cursor.
    private(set) var lastSent: UInt64?

    init(start: Start) {
        self.start = start
        if case .after(let seq) = start { lastSent = seq }
    }

    var isLive: Bool {
        if case .live = phase { return true }
        return false
    }

    /// The request a catch-up starts, or goes on, with: from what was sent, or from the start asked for.
    var catchUpFetch: Next {
        switch start {
        case .after(let seq): .fetch(after: lastSent ?? seq, limit: Self.pageSize)
        case .head: lastSent.map { .fetch(after: $0, limit: Self.pageSize) } ?? .fetch(after: nil, limit: 0)
        }
    }

    /// A live event: to send now, or nil (held, or sent before).
    mutating func live(_ event: RenderedEvent) -> RenderedEvent? {
        switch phase {
        case .live:
            guard event.seq > (lastSent ?? 0) else { return nil }
            lastSent = event.seq
            return event
        case .catchingUp(var held, let overflowed):
            guard !overflowed else { return nil }
            guard held.count < Self.heldLimit else {
                phase = .catchingUp(held: [], overflowed: true)
                return nil
            }
            held.append(event)
            phase = .catchingUp(held: held, overflowed: false)
            return nil
        }
    }

    /// A page the log answered to the last fetch (asked with `limit`): what to send, and what next.
    mutating func page(_ events: [RenderedEvent], head: UInt64, limit: Int) -> (send: [RenderedEvent], next: Next) {
        guard case .catchingUp(let held, let overflowed) = phase else { return ([], .live) }
        if lastSent == nil && limit == 0 {
            // Started at the head: nothing before it is this subscriber's.
            lastSent = head
        }
        if let sent = lastSent, sent > head {
            // An id past everything the log holds (another cluster's, or every event since expired):
            // nothing after it can be missed, and waiting for ids to pass it would send nothing, so go on from the head.
            lastSent = head
        }
        let sentUpTo = lastSent
        var send = events.filter { event in sentUpTo.map { event.seq > $0 } ?? true }
        if let newest = send.last?.seq { lastSent = max(lastSent ?? 0, newest) }
        if limit > 0 && events.count == limit {
            return (send, catchUpFetch)
        }
        if overflowed {
            // Live events were dropped while holding: the log has them.
            phase = .catchingUp(held: [], overflowed: false)
            return (send, catchUpFetch)
        }
        for event in held.sorted(by: { $0.seq < $1.seq }) where event.seq > (lastSent ?? 0) {
            send.append(event)
            lastSent = event.seq
        }
        if lastSent == nil { lastSent = head }
        phase = .live
        return (send, .live)
    }

    /// The link to the coordinator broke: live events may have been missed, so
    /// a live cursor catches up again from what it sent (the fetch to start);
    /// one already catching up goes on with its own fetch (nil).
    mutating func linkLost() -> Next? {
        guard isLive else { return nil }
        phase = .catchingUp(held: [], overflowed: false)
        return catchUpFetch
    }
}

/// An event as an SSE frame, with its place in the log.
struct RenderedEvent: Equatable {
    let seq: UInt64
    let org: String
    let frame: [UInt8]

    init(seq: UInt64, org: String, type: String, data: String) {
        self.seq = seq
        self.org = org
        frame = Array("id: \(seq)\nevent: \(type)\ndata: \(data)\n\n".utf8)
    }
}
