/// The event streams open per token and per org, so that one client (or one
/// tenant) cannot hold the connections and replays every tenant shares.
///
/// Pure: the hub opens a count when it takes a subscriber and closes it exactly
/// when that subscriber goes (client gone, dropped as slow, gateway stopping).
struct EventStreamCounts {
    /// Streams one token may hold open: a browser tab or a service needs one, a
    /// few for reconnects that overlap the old stream's close.
    static let standardPerToken = 10
    /// Streams one org may hold open, over all its tokens: one per agent's tab for a
    /// large team, yet a small share of the gateway's 10,000 connections.
    static let standardPerOrg = 200
    /// What a refused client is told to wait: a stream frees when a client goes, not at a known time.
    static let retryAfterSeconds: UInt32 = 5

    let perToken: Int
    let perOrg: Int
    private var byToken: [String: Int] = [:]
    private var byOrg: [String: Int] = [:]

    init(perToken: Int = Self.standardPerToken, perOrg: Int = Self.standardPerOrg) {
        precondition(perToken > 0 && perOrg > 0, "event stream caps must be positive")  // configuration bug
        self.perToken = perToken
        self.perOrg = perOrg
    }

    /// Counts a new stream of `token` in `org`, or says why it may not open (nothing counted then).
    mutating func open(token: String, org: String) -> APIError? {
        let tokenStreams = byToken[token, default: 0]
        let orgStreams = byOrg[org, default: 0]
        if let refusal = Self.refusal(
            "This token", holds: tokenStreams, limit: perToken, "close one, or read every event of your organization from one stream.")
        {
            return refusal
        }
        if let refusal = Self.refusal("Your organization", holds: orgStreams, limit: perOrg, "close one, or share one stream between clients.") {
            return refusal
        }
        byToken[token] = tokenStreams + 1
        byOrg[org] = orgStreams + 1
        return nil
    }

    /// The 429 for `holder` at its `limit` of streams, saying what to do; nil below it.
    private static func refusal(_ holder: String, holds streams: Int, limit: Int, _ advice: String) -> APIError? {
        guard streams >= limit else { return nil }
        return .tooManyRequests(
            "\(holder) already holds \(streams) open event streams (the limit is \(limit)); \(advice)", retryAfterSeconds: retryAfterSeconds)
    }

    /// A stream `open` counted has ended.
    mutating func close(token: String, org: String) {
        byToken[token] = Self.decremented(byToken[token])
        byOrg[org] = Self.decremented(byOrg[org])
    }

    /// Open streams of `token` and of `org`.
    func count(token: String, org: String) -> (token: Int, org: Int) {
        (byToken[token] ?? 0, byOrg[org] ?? 0)
    }

    /// One less, no entry at zero (so the maps hold only open streams).
    private static func decremented(_ count: Int?) -> Int? {
        guard let count else { preconditionFailure("closing an event stream that was never opened") }  // the hub's bug
        return count > 1 ? count - 1 : nil
    }
}
