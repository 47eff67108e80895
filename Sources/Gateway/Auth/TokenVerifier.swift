import CCrypto
import Wire

/// Checks HS256 bearer tokens (RFC 7519 JWTs in JWS compact form) against the cluster secret.
///
/// Order of checks: the `Bearer` scheme; three base64url parts; a header object whose `alg` is
/// exactly "HS256" and whose `typ`, if any, is "JWT" (before any MAC is computed, so a token
/// cannot choose its own algorithm); the signature in constant time over the exact
/// `header.payload` bytes; then the claims, then the time window.
struct TokenVerifier: Sendable {
    private let secret: [UInt8]
    /// Seconds of clock difference forgiven on both `exp` and `nbf`.
    let leeway: Int64

    /// The leeway a gateway uses: a token is accepted up to 30 s past its `exp` and 30 s before
    /// its `nbf`, as the signer's and the gateway's clocks may differ by that much; docs/api.md and
    /// the OpenAPI description say so.
    static let standardLeeway: Int64 = 30

    /// `secret` is the HMAC key as-is; `leeway` must not be negative.
    init(secret: [UInt8], leeway: Int64 = TokenVerifier.standardLeeway) {
        precondition(leeway >= 0, "negative leeway \(leeway)")
        self.secret = secret
        self.leeway = leeway
    }

    /// The claims of the token in `authorization` (an `Authorization` header value, or nil when
    /// the request has none), judged at `now` (Unix seconds).
    ///
    /// The time window, with `leeway` L:
    ///
    ///     ----- nbf-L ====== valid ====== exp+L -----> now
    ///     notYetValid      (both ends included)     expired
    func verify(authorization: String?, now: Int64) throws(AuthError) -> Claims {
        guard let authorization else { throw .missingToken }
        let token = try Self.bearerToken(authorization)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .malformed("\(parts.count) dot-separated part\(parts.count == 1 ? "" : "s") instead of 3")
        }

        let header = try Self.object(parts[0], "header")
        try Self.checkHeader(header)

        guard let signature = Base64URL.decode(parts[2]) else { throw .malformed("the signature is not base64url") }
        // The signing input is the token's own first two parts, byte for byte (RFC 7515 §5.2).
        let signingInput = token.utf8[parts[0].startIndex..<parts[1].endIndex]
        let expected = HMACSHA256.authenticate(signingInput, key: secret)
        // The length of a valid signature is public; only the bytes need comparing in constant time.
        guard signature.count == expected.count,
            CRYPTO_memcmp(signature, expected, expected.count) == 0
        else { throw .badSignature }

        let payload = try Self.object(parts[1], "payload")
        let claims = try Self.claims(payload)
        try checkTimeWindow(of: claims, now: now)
        return claims
    }

    /// Throws unless `now` lies within the claims' window (see `verify`): judged on every
    /// request, also for a token whose signature was checked before.
    func checkTimeWindow(of claims: Claims, now: Int64) throws(AuthError) {
        if now > claims.expiresAt.addingSaturating(leeway) { throw .expired(at: claims.expiresAt) }
        if let notBefore = claims.notBefore, now.addingSaturating(leeway) < notBefore {
            throw .notYetValid(until: notBefore)
        }
    }

    // MARK: - Parts

    /// The credentials after a `Bearer` scheme (any case) and at least one space (RFC 6750 §2.1).
    static func bearerToken(_ authorization: String) throws(AuthError) -> Substring {
        let value = authorization.drop { $0 == " " || $0 == "\t" }
        let scheme = value.prefix { $0 != " " && $0 != "\t" }
        guard scheme.lowercased() == "bearer" else { throw .notBearer }
        let token = value.dropFirst(scheme.count).drop { $0 == " " || $0 == "\t" }
        guard !token.isEmpty else { throw .notBearer }
        return token
    }

    /// The JSON object one base64url part encodes; `part` names it in the error.
    private static func object(_ text: Substring, _ part: String) throws(AuthError) -> [String: JSONValue] {
        guard let bytes = Base64URL.decode(text) else { throw .malformed("the \(part) is not base64url") }
        guard case .object(let object) = try? JSONValue.parse(bytes) else { throw .malformed("the \(part) is not a JSON object") }
        return object
    }

    /// `alg` must be "HS256" exactly; `typ`, when present, "JWT" in any case (RFC 7519 §5.1).
    private static func checkHeader(_ header: [String: JSONValue]) throws(AuthError) {
        guard let algorithm = header["alg"] else { throw .unsupportedAlgorithm("") }
        guard case .string(let name) = algorithm, name == "HS256" else {
            if case .string(let name) = algorithm { throw .unsupportedAlgorithm(name) }
            throw .unsupportedAlgorithm(describe(algorithm))
        }
        if let type = header["typ"] {
            guard case .string(let name) = type, name.lowercased() == "jwt" else {
                throw .malformed("the header's typ is \(describe(type)), not \"JWT\"")
            }
        }
    }

    // MARK: - Claims

    /// The claims of a payload whose signature has been checked; the time window is not judged here.
    private static func claims(_ payload: [String: JSONValue]) throws(AuthError) -> Claims {
        let subject = try string(payload, "sub")
        let orgId = try string(payload, "orgId")
        let role: Claims.Role
        if let value = payload["role"] {
            guard case .string(let name) = value, let known = Claims.Role(rawValue: name) else {
                throw .invalidClaim("role", describe(value))
            }
            role = known
        } else {
            role = .default
        }
        guard let expiry = payload["exp"] else { throw .missingClaim("exp") }
        // A fractional NumericDate is allowed (RFC 7519 §2); rounding narrows the window, never widens it.
        let expiresAt = try seconds(expiry, "exp", rounding: .down)
        let notBefore = try payload["nbf"].map { (value) throws(AuthError) in try seconds(value, "nbf", rounding: .up) }
        return Claims(subject: subject, orgId: orgId, role: role, expiresAt: expiresAt, notBefore: notBefore)
    }

    /// A required claim that must be a non-empty string.
    private static func string(_ payload: [String: JSONValue], _ name: String) throws(AuthError) -> String {
        guard let value = payload[name] else { throw .missingClaim(name) }
        guard case .string(let text) = value, !text.isEmpty else { throw .invalidClaim(name, describe(value)) }
        return text
    }

    /// A NumericDate claim as whole seconds.
    private static func seconds(_ value: JSONValue, _ name: String, rounding: FloatingPointRoundingRule) throws(AuthError) -> Int64 {
        if case .number(let text) = value {
            if let whole = Int64(text) { return whole }
            if let real = Double(text), let whole = Int64(exactly: real.rounded(rounding)) { return whole }
        }
        throw .invalidClaim(name, describe(value))
    }

    /// A claim value as JSON-like text for an error message, cut to 64 characters.
    private static func describe(_ value: JSONValue) -> String {
        let text: String =
            switch value {
            case .string(let string): "\"\(string)\""
            case .null: "null"
            case .bool(let flag): flag ? "true" : "false"
            case .number(let text): text
            case .array: "an array"
            case .object: "an object"
            }
        return text.count > 64 ? text.prefix(64) + "…" : text
    }
}

extension Int64 {
    /// `self + other`, held at the bounds instead of overflowing: a token with an `exp` near
    /// Int64.max simply never expires rather than trapping the gateway.
    fileprivate func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
