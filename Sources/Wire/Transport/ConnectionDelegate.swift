package import Wire

/// What a process does with the requests and notices a peer sends it.
package protocol ConnectionDelegate: Sendable {
    /// Answers one request; runs in its own task so a slow answer never blocks the mailbox.
    func handle(_ request: Request, on connection: Connection) async -> Response
    /// Takes one notice; notices from one peer arrive here in the order they were sent.
    func received(_ notice: Notice, on connection: Connection) async
    /// The connection is gone; `error` is nil for an orderly close.
    func closed(_ connection: Connection, error: (any Error)?) async
}

/// How a connection opens: the connecting side introduces itself, the
/// accepting side decides whether to take it.
package enum HandshakeSide: Sendable {
    case connecting(Hello)
    /// `admit` may keep the connection (it opens right after a welcome) or refuse it.
    case accepting(admit: @Sendable (Hello, Connection) async -> Result<Welcome, Refusal>)
}
