import Synchronization

/// Bearer tokens that `TokenVerifier` accepted, with their claims.
///
/// Keyed by the token alone, not the header around it, so spacing or the
/// scheme's case cannot make one token many entries. Only accepted tokens are
/// kept, so filling it takes many tokens signed with the cluster's secret.
/// Their time window is still judged on every use. Bounded: past `capacity` it
/// starts over, which costs one full verification per token in use.
final class VerifiedTokens: Sendable {
    /// Distinct tokens kept at most.
    static let capacity = 10_000
    /// Longer tokens are verified every time rather than kept: ours are about 200 bytes.
    static let maxTokenBytes = 2_048

    private let tokens = Mutex<[Substring: Claims]>([:])

    func claims(of token: Substring) -> Claims? {
        tokens.withLock { $0[token] }
    }

    func remember(_ token: Substring, _ claims: Claims) {
        guard token.utf8.count <= Self.maxTokenBytes else { return }
        tokens.withLock { tokens in
            if tokens.count >= Self.capacity { tokens.removeAll(keepingCapacity: true) }
            // A key of its own: a slice of the request's header would keep the whole header alive.
            tokens[Substring(String(token))] = claims
        }
    }
}
