/// Exponential back-off between reconnect attempts: `initial`, doubling, capped at `maximum`.
///
/// Pure: the caller sleeps; `reset` after a connection that lasted.
package struct Backoff: Sendable, Equatable {
    package let initial: Duration
    package let maximum: Duration
    private var next: Duration

    package static let reconnect = Backoff(initial: .milliseconds(50), maximum: .seconds(2))

    package init(initial: Duration, maximum: Duration) {
        precondition(initial > .zero && maximum >= initial, "back-off bounds must be positive and ordered")  // configuration bug
        self.initial = initial
        self.maximum = maximum
        self.next = initial
    }

    /// The delay before the next attempt; each call doubles the following one.
    package mutating func nextDelay() -> Duration {
        defer { next = min(next * 2, maximum) }
        return next
    }

    package mutating func reset() { next = initial }
}
