/// Why a request over a connection got no answer.
package enum ConnectionError: Error, Equatable, CustomStringConvertible {
    case closed(String)
    case timedOut(String, after: Duration)
    case refused(String, reason: String)
    case handshakeFailed(String, reason: String)
    case notConnected(String)

    package var description: String {
        switch self {
        case .closed(let label): "\(label): connection closed"
        case .timedOut(let label, let after): "\(label): no answer within \(after)"
        case .refused(let label, let reason): "\(label): peer refused the handshake: \(reason)"
        case .handshakeFailed(let label, let reason): "\(label): handshake failed: \(reason)"
        case .notConnected(let label): "\(label): not connected"
        }
    }
}
