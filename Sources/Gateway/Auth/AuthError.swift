/// Why a request's bearer token was refused; every case answers 401.
enum AuthError: Error, Equatable {
    /// No `Authorization` header at all.
    case missingToken
    /// An `Authorization` header whose scheme is not `Bearer`, or with nothing after it.
    case notBearer
    /// Not three base64url parts, or a header or payload that is not a JSON object; the reason says which.
    case malformed(String)
    /// The header's `alg` as sent (empty when it has none); only HS256 is accepted.
    case unsupportedAlgorithm(String)
    /// The signature is not this cluster's HMAC of the token.
    case badSignature
    /// `exp`, Unix seconds, lies further in the past than the leeway allows.
    case expired(at: Int64)
    /// `nbf`, Unix seconds, lies further in the future than the leeway allows.
    case notYetValid(until: Int64)
    /// A required claim (`sub`, `orgId`, `exp`) is absent.
    case missingClaim(String)
    /// A claim's name and its offending value as JSON-ish text: wrong type, empty, or an unknown role.
    case invalidClaim(String, String)

    /// One sentence for the 401 body: what is wrong and what to send instead.
    var message: String {
        switch self {
        case .missingToken:
            "No Authorization header: send `Authorization: Bearer <token>` with a token from scripts/token."
        case .notBearer:
            "The Authorization header is not a bearer token: send `Authorization: Bearer <token>`."
        case .malformed(let reason):
            "The bearer token is not a usable JWT (\(reason)): send header.payload.signature as scripts/token prints it."
        case .unsupportedAlgorithm(let algorithm) where algorithm.isEmpty:
            "The token's header names no alg: only HS256 tokens signed with the cluster secret are accepted."
        case .unsupportedAlgorithm(let algorithm):
            "The token is signed with alg \(algorithm): only HS256 tokens signed with the cluster secret are accepted."
        case .badSignature:
            "The token's signature does not match: sign it with this cluster's own secret, as `scripts/token --data DIR` does with DIR the data directory this cluster was started with."
        case .expired(let at):
            "The token expired at \(at) (Unix seconds): get a fresh one, e.g. from scripts/token."
        case .notYetValid(let until):
            "The token is not valid before \(until) (Unix seconds): wait until then, or issue one without a future nbf."
        case .missingClaim(let name):
            "The token has no \(name) claim: issue one that carries sub, orgId and exp."
        case .invalidClaim(let name, let value):
            "The token's \(name) claim is \(value), but it must be \(Self.expectation(for: name)): issue a corrected token."
        }
    }

    /// What a valid value of claim `name` looks like, for `invalidClaim`'s message.
    private static func expectation(for name: String) -> String {
        switch name {
        case "role": "owner, admin or agent"
        case "exp", "nbf": "a number of seconds since 1970"
        default: "a non-empty string"
        }
    }
}
