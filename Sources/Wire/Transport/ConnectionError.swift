package import Wire

/// Why a request over a connection got no answer.
package enum ConnectionError: Error, Equatable, CustomStringConvertible {
    case closed(String)
    case timedOut(String, after: Duration)
    case refused(String, reason: String)
    case handshakeFailed(String, reason: String)
    case notConnected(String)
    /// A message larger than the peer accepts: refused before sending, since the peer
    /// would drop the whole connection for it.
    case frameTooLarge(String, bytes: Int, limit: Int)
    /// The peer answered `call` with bytes that do not read as its reply: a bug on one side.
    case unreadableReply(String, call: String, reason: WireError)

    package var isFrameTooLarge: Bool {
        if case .frameTooLarge = self { return true }
        return false
    }

    package var isUnreadableReply: Bool {
        if case .unreadableReply = self { return true }
        return false
    }

    package var description: String {
        switch self {
        case .closed(let label): "\(label): connection closed"
        case .timedOut(let label, let after): "\(label): no answer within \(after)"
        case .refused(let label, let reason): "\(label): peer refused the handshake: \(reason)"
        case .handshakeFailed(let label, let reason): "\(label): handshake failed: \(reason)"
        case .notConnected(let label): "\(label): not connected"
        case .frameTooLarge(let label, let bytes, let limit):
            "\(label): a \(bytes)-byte message is over the \(limit)-byte frame limit; send it in smaller parts"
        case .unreadableReply(let label, let call, let reason):
            "\(label): the answer to `\(call)` is not its reply: \(reason)"
        }
    }
}
