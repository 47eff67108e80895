/// What a connection waits for with a time limit: its handshake, and each request's answer.
/// One timer per connection sleeps until `earliest`, rather than one task per request. Pure: fed with the time.
struct ConnectionDeadlines {
    enum Wait: Hashable {
        case handshake
        case answer(correlation: UInt64)
    }

    private var waits: [Wait: (due: ContinuousClock.Instant, limit: Duration)] = [:]

    /// Waits for `wait` for `limit` from `now`.
    mutating func start(_ wait: Wait, at now: ContinuousClock.Instant, limit: Duration) {
        waits[wait] = (now + limit, limit)
    }

    /// `wait` is over in time (answered, handshaken, closed).
    mutating func end(_ wait: Wait) {
        waits[wait] = nil
    }

    mutating func endAll() {
        waits = [:]
    }

    /// When the next wait runs out, or nil when nothing is waited for.
    var earliest: ContinuousClock.Instant? { waits.values.map(\.due).min() }

    /// The waits that have run out by `now`, with the limit each was given; they are over.
    mutating func expire(at now: ContinuousClock.Instant) -> [(wait: Wait, limit: Duration)] {
        let overdue = waits.filter { $0.value.due <= now }.sorted { $0.value.due < $1.value.due }
        for (wait, _) in overdue { waits[wait] = nil }
        return overdue.map { ($0.key, $0.value.limit) }
    }
}
