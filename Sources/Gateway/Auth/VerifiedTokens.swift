import Synchronization

/// `Authorization` header values whose token `TokenVerifier` accepted, with their claims.
///
/// Only accepted tokens are kept, so filling it takes tokens signed with the
/// cluster's secret. Their time window is still judged on every use. Bounded: past
/// `capacity` it starts over, which costs one full verification per token in use.
final class VerifiedTokens: Sendable {
    /// Distinct tokens kept at most.
    static let capacity = 10_000

    private let tokens = Mutex<[String: Claims]>([:])

    func claims(of authorization: String) -> Claims? {
        tokens.withLock { $0[authorization] }
    }

    func remember(_ authorization: String, _ claims: Claims) {
        tokens.withLock { tokens in
            if tokens.count >= Self.capacity { tokens.removeAll(keepingCapacity: true) }
            tokens[authorization] = claims
        }
    }
}
