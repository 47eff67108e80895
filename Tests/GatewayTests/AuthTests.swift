import Foundation
import TestSupport
import Testing

@testable import Gateway

@Suite struct AuthTests {
    // MARK: - HMAC-SHA-256

    /// One RFC 4231 §4 test case: key and data as bytes, the full HMAC-SHA-256 as hex.
    struct HMACCase: Sendable, CustomTestStringConvertible {
        var number: Int
        var key: [UInt8]
        var data: [UInt8]
        var hex: String
        var testDescription: String { "RFC 4231 test case \(number)" }
    }

    static let rfc4231: [HMACCase] = [
        HMACCase(
            number: 1, key: Array(repeating: 0x0B, count: 20), data: Array("Hi There".utf8),
            hex: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        HMACCase(
            number: 2, key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8),
            hex: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        HMACCase(
            number: 3, key: Array(repeating: 0xAA, count: 20), data: Array(repeating: 0xDD, count: 50),
            hex: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        HMACCase(
            number: 4, key: Array(0x01...0x19), data: Array(repeating: 0xCD, count: 50),
            hex: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        // Case 5 publishes only the first 128 bits of the tag; its own test compares those.
        HMACCase(
            number: 6, key: Array(repeating: 0xAA, count: 131),
            data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            hex: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        HMACCase(
            number: 7, key: Array(repeating: 0xAA, count: 131),
            data: Array(
                "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
                    .utf8),
            hex: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test(arguments: rfc4231)
    func hmacMatchesRFC4231(_ vector: HMACCase) {
        #expect(hex(HMACSHA256.authenticate(vector.data, key: vector.key)) == vector.hex)
    }

    @Test func hmacMatchesRFC4231TruncatedCase5() {
        let tag = HMACSHA256.authenticate(Array("Test With Truncation".utf8), key: Array(repeating: 0x0C, count: 20))
        #expect(tag.count == 32)
        #expect(hex(tag.prefix(16)) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test func hmacAcceptsAnEmptyKeyAndMessage() {
        #expect(
            hex(HMACSHA256.authenticate([UInt8](), key: [UInt8]()))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func hmacTakesAnyCollectionOfBytes() {
        let message = "what do ya want for nothing?"
        #expect(
            HMACSHA256.authenticate(message.utf8, key: "Jefe".utf8)
                == HMACSHA256.authenticate(Array(message.utf8), key: Array("Jefe".utf8)))
        #expect(
            HMACSHA256.authenticate(message.utf8.dropFirst(5), key: "Jefe".utf8)
                == HMACSHA256.authenticate(Array(message.utf8.dropFirst(5)), key: Array("Jefe".utf8)))
    }

    // MARK: - Base64URL

    /// RFC 4648 §10, unpadded, plus the two characters that differ from plain base64 ("-" and "_").
    static let base64Vectors: [([UInt8], String)] = [
        (Array("".utf8), ""), (Array("f".utf8), "Zg"), (Array("fo".utf8), "Zm8"), (Array("foo".utf8), "Zm9v"),
        (Array("foob".utf8), "Zm9vYg"), (Array("fooba".utf8), "Zm9vYmE"), (Array("foobar".utf8), "Zm9vYmFy"),
        ([0xFB, 0xFF], "-_8"), ([0xFF, 0xFF, 0xFE], "___-"),
    ]

    @Test(arguments: base64Vectors)
    func base64URLEncodesAndDecodesRFC4648Vectors(_ bytes: [UInt8], _ encoded: String) {
        #expect(Base64URL.encode(bytes) == encoded)
        #expect(Base64URL.decode(Substring(encoded)) == bytes)
    }

    @Test func base64URLRoundTripsEveryLengthUpTo100() {
        let seed: UInt64 = 0x4A57_5453
        var generator = SeededGenerator(seed: seed)
        for length in 0...100 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(text.utf8.count == (length * 4 + 2) / 3)
            #expect(Base64URL.decode(Substring(text)) == bytes, "length \(length), seed \(seed)")
        }
    }

    @Test(arguments: [
        "Zg==", "Zm8=", "Zm9v=",  // padding
        "Zm9v YmFy", "Zm9v\n", " Zm9v", "Zm9v\t",  // whitespace
        "Zm+v", "Zm/v", "Zm9v!", "Zm9vé",  // outside the alphabet
        "Z", "Zm9vY", "Zm9vYmFyZ",  // 1 mod 4: no whole byte
        "Zh", "Zm9",  // unused low bits set: not the canonical spelling
    ])
    func base64URLRejects(_ text: String) {
        #expect(Base64URL.decode(Substring(text)) == nil)
    }

    @Test func base64URLDecodesASubstringInsideALargerString() {
        let token = "Zm9v.YmFy.Zg"
        let parts = token.split(separator: ".")
        #expect(parts.map { Base64URL.decode($0) } == [Array("foo".utf8), Array("bar".utf8), Array("f".utf8)])
    }

    // MARK: - RFC examples

    /// RFC 7515 Appendix A.1: the HS256 JWS example and the JWK `k` it is signed with.
    static let rfc7515Token =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let rfc7515Key = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
    /// RFC 7519 §3.1's example JWT: the very same token as RFC 7515 A.1 (same header, claims and key).
    static let rfc7519Token =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    /// RFC 7519 §6.1's unsecured JWT: the same claims with `{"alg":"none"}` and no signature.
    static let rfc7519Unsecured =
        "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."

    @Test func rfc7515ExampleSignatureIsHMACOfItsSigningInputUnderItsKey() throws {
        let key = try #require(Base64URL.decode(Substring(Self.rfc7515Key)))
        let parts = Self.rfc7515Token.split(separator: ".")
        let tag = HMACSHA256.authenticate("\(parts[0]).\(parts[1])".utf8, key: key)
        #expect(Base64URL.encode(tag) == String(parts[2]))
        // The header keeps the RFC's CRLF and space, which is why the exact bytes are signed, not a re-encoding.
        #expect(Base64URL.decode(parts[0]) == Array("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}".utf8))
    }

    @Test func rfc7515ExamplePassesTheSignatureCheckAndLacksSub() throws {
        let key = try #require(Base64URL.decode(Substring(Self.rfc7515Key)))
        let verifier = TokenVerifier(secret: key)
        // Before its exp (1300819380): the signature passes, and then `sub` is what is missing.
        #expect(throws: AuthError.missingClaim("sub")) {
            try verifier.verify(authorization: "Bearer \(Self.rfc7515Token)", now: 1_300_819_000)
        }
        // Under another key the same token fails at the signature, so the claim check above came after it.
        #expect(throws: AuthError.badSignature) {
            try TokenVerifier(secret: Array(key.dropLast())).verify(
                authorization: "Bearer \(Self.rfc7515Token)", now: 1_300_819_000)
        }
    }

    @Test func rfc7519ExampleIsTheRFC7515TokenAndVerifiesTheSameWay() throws {
        #expect(Self.rfc7519Token == Self.rfc7515Token)
        let key = try #require(Base64URL.decode(Substring(Self.rfc7515Key)))
        #expect(throws: AuthError.missingClaim("sub")) {
            try TokenVerifier(secret: key).verify(authorization: "Bearer \(Self.rfc7519Token)", now: 1_300_819_000)
        }
    }

    @Test func rfc7519UnsecuredExampleIsRefusedForItsAlgorithm() throws {
        let key = try #require(Base64URL.decode(Substring(Self.rfc7515Key)))
        #expect(throws: AuthError.unsupportedAlgorithm("none")) {
            try TokenVerifier(secret: key).verify(authorization: "Bearer \(Self.rfc7519Unsecured)", now: 1_300_819_000)
        }
    }

    // MARK: - Tokens from scripts/token

    /// Printed by `TETHER_JWT_SECRET=s3cret scripts/token --org o1 --user u1 --role admin`.
    static let scriptToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MSIsIm9yZ0lkIjoibzEiLCJyb2xlIjoiYWRtaW4iLCJpYXQiOjE3OTU5MzE1ODksImV4cCI6MTc5NTkzNTE4OX0.yxHvvwX36f-fSUQnX_y3QSpeDxCL35zy1Xi4SsgAdJc"
    /// Printed by `scripts/token --data DIR --org org-7 --user alice --role owner --ttl 600` with
    /// `jwt.secret` holding `scriptSecretFile` (a 64-hex-digit line, as scripts/cluster writes it).
    static let scriptFileToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsIm9yZ0lkIjoib3JnLTciLCJyb2xlIjoib3duZXIiLCJpYXQiOjE3OTU5MzE1OTQsImV4cCI6MTc5NTkzMjE5NH0.OTH-GJppTF7mD45UHzpUMeu1nmayq1xexa4YSa1luy8"
    static let scriptSecretFile = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"

    @Test func verifiesATokenPrintedByScriptsToken() throws {
        let claims = try TokenVerifier(secret: Array("s3cret".utf8))
            .verify(authorization: "Bearer \(Self.scriptToken)", now: 1_795_931_589)
        #expect(claims == Claims(subject: "u1", orgId: "o1", role: .admin, expiresAt: 1_795_935_189, notBefore: nil))
    }

    @Test func verifiesATokenScriptsTokenSignedWithTheSecretFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.scriptSecretFile.write(toFile: directory + "/jwt.secret", atomically: true, encoding: .utf8)
        let secret = try Authenticator.loadSecret(environment: [:], dataDirectory: directory)
        let claims = try TokenVerifier(secret: secret)
            .verify(authorization: "Bearer \(Self.scriptFileToken)", now: 1_795_931_594)
        #expect(claims == Claims(subject: "alice", orgId: "org-7", role: .owner, expiresAt: 1_795_932_194, notBefore: nil))
    }

    @Test func verifiesATokenSignedTheWayScriptsTokenSignsIt() throws {
        let now: Int64 = 1_700_000_000
        let token = mint(
            header: #"{"alg":"HS256","typ":"JWT"}"#,
            payload: #"{"sub":"u1","orgId":"o1","role":"admin","iat":\#(now),"exp":\#(now + 3600)}"#)
        let claims = try verifier.verify(authorization: "Bearer \(token)", now: now)
        #expect(claims == Claims(subject: "u1", orgId: "o1", role: .admin, expiresAt: now + 3600, notBefore: nil))
    }

    // MARK: - Accepted variations

    @Test(arguments: ["Bearer", "bearer", "BEARER", "bEaReR"])
    func acceptsTheBearerSchemeInAnyCase(_ scheme: String) throws {
        let token = mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(Self.now + 60)}"#)
        #expect(try verifier.verify(authorization: "\(scheme) \(token)", now: Self.now).subject == "u1")
    }

    @Test func givesATokenWithoutARoleTheAgentRole() throws {
        let token = mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(Self.now + 60)}"#)
        #expect(try verifier.verify(authorization: "Bearer \(token)", now: Self.now).role == .agent)
    }

    @Test(arguments: Claims.Role.allCases)
    func readsEveryKnownRole(_ role: Claims.Role) throws {
        let token = mint(payload: #"{"sub":"u1","orgId":"o1","role":"\#(role.rawValue)","exp":\#(Self.now + 60)}"#)
        #expect(try verifier.verify(authorization: "Bearer \(token)", now: Self.now).role == role)
    }

    @Test func acceptsTypInAnyCaseAndNoTypAtAll() throws {
        for header in [#"{"alg":"HS256","typ":"jwt"}"#, #"{"alg":"HS256"}"#] {
            let token = mint(header: header, payload: #"{"sub":"u1","orgId":"o1","exp":\#(Self.now + 60)}"#)
            #expect(try verifier.verify(authorization: "Bearer \(token)", now: Self.now).subject == "u1")
        }
    }

    @Test func readsFractionalAndExponentNumericDates() throws {
        let token = mint(payload: #"{"sub":"u1","orgId":"o1","exp":1.7000001e9,"nbf":1699999999.5}"#)
        let claims = try verifier.verify(authorization: "Bearer \(token)", now: Self.now)
        #expect(claims.expiresAt == 1_700_000_100)
        #expect(claims.notBefore == 1_700_000_000)  // rounded up: a fraction never opens the window early
    }

    @Test func acceptsAnExpiredTokenJustWithinTheLeeway() throws {
        let token = mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(Self.now - 30)}"#)
        #expect(try verifier.verify(authorization: "Bearer \(token)", now: Self.now).expiresAt == Self.now - 30)
        #expect(throws: AuthError.expired(at: Self.now - 30)) {
            try TokenVerifier(secret: Self.secret, leeway: 0).verify(authorization: "Bearer \(token)", now: Self.now)
        }
    }

    @Test func acceptsAnNbfJustWithinTheLeeway() throws {
        let token = mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(Self.now + 600),"nbf":\#(Self.now + 30)}"#)
        #expect(try verifier.verify(authorization: "Bearer \(token)", now: Self.now).notBefore == Self.now + 30)
    }

    @Test func treatsAnExpNearInt64MaxAsNeverExpiring() throws {
        let token = mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(Int64.max)}"#)
        #expect(try verifier.verify(authorization: "Bearer \(token)", now: Self.now).expiresAt == .max)
    }

    // MARK: - Refusals

    /// A header value and the error it must be refused with.
    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var authorization: String?
        var error: AuthError
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = {
        let now = AuthTests.now
        let valid = #"{"sub":"u1","orgId":"o1","role":"admin","exp":\#(now + 600)}"#
        let good = mint(payload: valid)
        let parts = good.split(separator: ".")
        let tamperedPayload = Base64URL.encode(#"{"sub":"u1","orgId":"o1","role":"owner","exp":\#(now + 600)}"#.utf8)
        return [
            Refusal(name: "no header", authorization: nil, error: .missingToken),
            Refusal(name: "Basic scheme", authorization: "Basic dXNlcjpwYXNz", error: .notBearer),
            Refusal(name: "bare token without a scheme", authorization: good, error: .notBearer),
            Refusal(name: "Bearer with nothing after it", authorization: "Bearer", error: .notBearer),
            Refusal(name: "Bearer with only spaces after it", authorization: "Bearer   ", error: .notBearer),
            Refusal(name: "scheme glued to the token", authorization: "Bearer\(good)", error: .notBearer),
            Refusal(name: "garbage", authorization: "Bearer garbage", error: .malformed("1 dot-separated part instead of 3")),
            Refusal(
                name: "two segments", authorization: "Bearer \(parts[0]).\(parts[1])",
                error: .malformed("2 dot-separated parts instead of 3")),
            Refusal(name: "four segments", authorization: "Bearer \(good).x", error: .malformed("4 dot-separated parts instead of 3")),
            Refusal(
                name: "header not base64url", authorization: "Bearer e=.\(parts[1]).\(parts[2])",
                error: .malformed("the header is not base64url")),
            Refusal(
                name: "header not JSON", authorization: "Bearer \(Base64URL.encode("HS256".utf8)).\(parts[1]).\(parts[2])",
                error: .malformed("the header is not a JSON object")),
            Refusal(
                name: "padded signature", authorization: "Bearer \(good)=", error: .malformed("the signature is not base64url")),
            Refusal(
                name: "wrong signature", authorization: "Bearer \(mint(payload: valid, key: Array("other".utf8)))", error: .badSignature),
            Refusal(name: "tampered payload", authorization: "Bearer \(parts[0]).\(tamperedPayload).\(parts[2])", error: .badSignature),
            Refusal(name: "empty signature", authorization: "Bearer \(parts[0]).\(parts[1]).", error: .badSignature),
            Refusal(
                name: "truncated signature", authorization: "Bearer \(parts[0]).\(parts[1]).\(parts[2].dropLast(3))", error: .badSignature),
            Refusal(
                name: "alg none with empty signature",
                authorization: "Bearer \(Base64URL.encode(#"{"alg":"none","typ":"JWT"}"#.utf8)).\(parts[1]).",
                error: .unsupportedAlgorithm("none")),
            Refusal(
                name: "alg HS512", authorization: "Bearer \(mint(header: #"{"alg":"HS512","typ":"JWT"}"#, payload: valid))",
                error: .unsupportedAlgorithm("HS512")),
            Refusal(
                name: "alg in lower case", authorization: "Bearer \(mint(header: #"{"alg":"hs256"}"#, payload: valid))",
                error: .unsupportedAlgorithm("hs256")),
            Refusal(
                name: "alg missing", authorization: "Bearer \(mint(header: #"{"typ":"JWT"}"#, payload: valid))",
                error: .unsupportedAlgorithm("")),
            Refusal(
                name: "alg not a string", authorization: "Bearer \(mint(header: #"{"alg":256}"#, payload: valid))",
                error: .unsupportedAlgorithm("256")),
            Refusal(
                name: "typ other than JWT", authorization: "Bearer \(mint(header: #"{"alg":"HS256","typ":"JOSE"}"#, payload: valid))",
                error: .malformed(#"the header's typ is "JOSE", not "JWT""#)),
            Refusal(
                name: "payload not JSON", authorization: "Bearer \(mint(payload: "not json"))",
                error: .malformed("the payload is not a JSON object")),
            Refusal(
                name: "payload a JSON array", authorization: "Bearer \(mint(payload: "[1,2]"))",
                error: .malformed("the payload is not a JSON object")),
            Refusal(
                name: "expired beyond the leeway",
                authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(now - 31)}"#))",
                error: .expired(at: now - 31)),
            Refusal(
                name: "nbf beyond the leeway",
                authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(now + 600),"nbf":\#(now + 31)}"#))",
                error: .notYetValid(until: now + 31)),
            Refusal(
                name: "missing exp", authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":"o1"}"#))",
                error: .missingClaim("exp")),
            Refusal(
                name: "missing sub", authorization: "Bearer \(mint(payload: #"{"orgId":"o1","exp":\#(now + 600)}"#))",
                error: .missingClaim("sub")),
            Refusal(
                name: "missing orgId", authorization: "Bearer \(mint(payload: #"{"sub":"u1","exp":\#(now + 600)}"#))",
                error: .missingClaim("orgId")),
            Refusal(
                name: "empty sub", authorization: "Bearer \(mint(payload: #"{"sub":"","orgId":"o1","exp":\#(now + 600)}"#))",
                error: .invalidClaim("sub", "\"\"")),
            Refusal(
                name: "numeric orgId", authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":7,"exp":\#(now + 600)}"#))",
                error: .invalidClaim("orgId", "7")),
            Refusal(
                name: "unknown role",
                authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":"o1","role":"superuser","exp":\#(now + 600)}"#))",
                error: .invalidClaim("role", "\"superuser\"")),
            Refusal(
                name: "null role", authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":"o1","role":null,"exp":\#(now + 600)}"#))",
                error: .invalidClaim("role", "null")),
            Refusal(
                name: "exp a string", authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":"o1","exp":"soon"}"#))",
                error: .invalidClaim("exp", "\"soon\"")),
            Refusal(
                name: "exp a boolean", authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":"o1","exp":true}"#))",
                error: .invalidClaim("exp", "true")),
            Refusal(
                name: "exp beyond Int64", authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":"o1","exp":1e300}"#))",
                error: .invalidClaim("exp", "1e300")),
        ]
    }()

    @Test(arguments: refusals)
    func refusesWithTheErrorThatSaysWhy(_ refusal: Refusal) {
        #expect(throws: refusal.error) {
            try verifier.verify(authorization: refusal.authorization, now: Self.now)
        }
    }

    @Test func checksTheAlgorithmBeforeTheSignature() {
        // Signed with the wrong key and naming HS512: the algorithm is what gets reported.
        let token = mint(
            header: #"{"alg":"HS512"}"#, payload: #"{"sub":"u1","orgId":"o1","exp":\#(Self.now + 60)}"#,
            key: Array("other".utf8))
        #expect(throws: AuthError.unsupportedAlgorithm("HS512")) {
            try verifier.verify(authorization: "Bearer \(token)", now: Self.now)
        }
    }

    @Test func namesTheUnknownRoleInTheMessage() {
        let message = AuthError.invalidClaim("role", "\"superuser\"").message
        #expect(message.contains("superuser"))
        #expect(message.contains("owner, admin or agent"))
    }

    @Test(arguments: refusals)
    func explainsEveryRefusalInOneSentence(_ refusal: Refusal) {
        let message = refusal.error.message
        #expect(message.first?.isUppercase == true)
        #expect(message.hasSuffix("."))
        #expect(!message.dropLast().contains("\n"))
    }

    // MARK: - Authenticator

    @Test func refusesAnAgentWritingWith403() throws {
        let head = Self.head(authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":"o1","role":"agent","exp":\#(Self.now + 60)}"#))")
        #expect(throws: APIError.forbidden("Role agent may only read: ask an owner or admin for a token that may change data.")) {
            try authenticator.authenticate(head, now: Self.now, write: true)
        }
        do {
            _ = try authenticator.authenticate(head, now: Self.now, write: true)
        } catch {
            #expect(error.response.status == 403)
        }
    }

    @Test func letsAnAgentRead() throws {
        let head = Self.head(authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(Self.now + 60)}"#))")
        let claims = try authenticator.authenticate(head, now: Self.now, write: false)
        #expect(claims == Claims(subject: "u1", orgId: "o1", role: .agent, expiresAt: Self.now + 60, notBefore: nil))
    }

    @Test(arguments: [Claims.Role.owner, .admin])
    func letsOwnersAndAdminsWrite(_ role: Claims.Role) throws {
        let payload = #"{"sub":"u1","orgId":"o1","role":"\#(role.rawValue)","exp":\#(Self.now + 60)}"#
        let head = Self.head(authorization: "Bearer \(mint(payload: payload))")
        #expect(try authenticator.authenticate(head, now: Self.now, write: true).role == role)
    }

    @Test func answers401WithTheVerifiersMessage() {
        let head = Self.head(authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":"o1","exp":1}"#))")
        #expect(throws: APIError.unauthorized(AuthError.expired(at: 1).message)) {
            try authenticator.authenticate(head, now: Self.now, write: false)
        }
        do {
            _ = try authenticator.authenticate(Self.head(authorization: nil), now: Self.now, write: false)
            Issue.record("a request without a token was let through")
        } catch {
            #expect(error == .unauthorized(AuthError.missingToken.message))
            #expect(error.response.status == 401)
            #expect(error.response.headers.contains { $0.name == "WWW-Authenticate" && $0.value == "Bearer" })
        }
    }

    @Test func aTokenCheckedBeforeIsStillRefusedOnceItExpires() throws {
        let authenticator = Authenticator(verifier: verifier)
        let head = Self.head(authorization: "Bearer \(mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(Self.now + 60)}"#))")
        #expect(try authenticator.authenticate(head, now: Self.now, write: false).subject == "u1")
        #expect(authenticator.verified.claims(of: Substring(mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(Self.now + 60)}"#))) != nil)
        let later = Self.now + 60 + verifier.leeway + 1
        #expect(throws: APIError.unauthorized(AuthError.expired(at: Self.now + 60).message)) {
            try authenticator.authenticate(head, now: later, write: false)
        }
    }

    /// The leeway a gateway uses is the one docs/api.md and the OpenAPI description state, on both ends.
    @Test func theDocumentsStateTheLeewayTheGatewayUses() throws {
        let leeway = TokenVerifier.standardLeeway
        #expect(TokenVerifier(secret: Self.secret).leeway == leeway)
        let api = try String(contentsOfFile: repositoryRoot.appendingPathComponent("docs/api.md").path, encoding: .utf8)
        #expect(api.contains("up to \(leeway) s past its `exp`, and already up to \(leeway) s before its\n`nbf`"), "docs/api.md")
        let openAPI = try String(contentsOfFile: repositoryRoot.appendingPathComponent("docs/openapi.yaml").path, encoding: .utf8)
        #expect(openAPI.contains("accepted up to \(leeway) s past exp\n    and up to \(leeway) s before nbf"), "docs/openapi.yaml")
    }

    @Test func aRefusedTokenIsNeverRemembered() {
        let authenticator = Authenticator(verifier: verifier)
        let forged = mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(Self.now + 60)}"#).dropLast(2) + "AA"
        for _ in 0..<2 {
            #expect(throws: APIError.unauthorized(AuthError.badSignature.message)) {
                try authenticator.authenticate(Self.head(authorization: "Bearer " + forged), now: Self.now, write: false)
            }
        }
        #expect(authenticator.verified.claims(of: Substring(forged)) == nil)
    }

    @Test func oneTokenIsOneEntryHoweverItsHeaderIsSpacedOrCased() throws {
        let authenticator = Authenticator(verifier: verifier)
        let token = mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(Self.now + 60)}"#)
        _ = try authenticator.authenticate(Self.head(authorization: "Bearer \(token)"), now: Self.now, write: false)
        for header in ["bearer  \(token)", "BEARER\t\(token)", "  Bearer \(token)"] {
            #expect(authenticator.verified.claims(of: try TokenVerifier.bearerToken(header))?.subject == "u1")
        }
    }

    @Test func aVeryLongTokenIsVerifiedEveryTimeRatherThanKept() {
        let tokens = VerifiedTokens()
        let claims = Claims(subject: "u", orgId: "o", role: .agent, expiresAt: 1, notBefore: nil)
        let long = Substring(String(repeating: "a", count: VerifiedTokens.maxTokenBytes + 1))
        tokens.remember(long, claims)
        #expect(tokens.claims(of: long) == nil)
    }

    @Test func rememberedTokensAreBoundedAndStartOverWhenFull() {
        let tokens = VerifiedTokens()
        let claims = Claims(subject: "u", orgId: "o", role: .agent, expiresAt: 1, notBefore: nil)
        for index in 0..<VerifiedTokens.capacity { tokens.remember("t\(index)", claims) }
        #expect(tokens.claims(of: "t0") == claims)
        tokens.remember("one more", claims)
        #expect(tokens.claims(of: "t0") == nil)
        #expect(tokens.claims(of: "one more") == claims)
    }

    @Test func findsTheAuthorizationHeaderInAnyCase() throws {
        let token = mint(payload: #"{"sub":"u1","orgId":"o1","exp":\#(Self.now + 60)}"#)
        let head = Self.head(headers: ["AUTHORIZATION": "Bearer \(token)"])
        #expect(try authenticator.authenticate(head, now: Self.now, write: false).subject == "u1")
    }

    // MARK: - The secret

    @Test func prefersTheEnvironmentSecretAsIs() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "from-file-0123456789abcdef0123456789\n".write(toFile: directory + "/jwt.secret", atomically: true, encoding: .utf8)
        let secret = try Authenticator.loadSecret(environment: ["TETHER_JWT_SECRET": Self.longSecretWithSpaces], dataDirectory: directory)
        #expect(secret == Array(Self.longSecretWithSpaces.utf8))
    }

    @Test func readsTheSecretFileWithoutTrailingNewlinesWhenTheEnvironmentHasNone() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "from-file-0123456789abcdef0123456789\n\n".write(toFile: directory + "/jwt.secret", atomically: true, encoding: .utf8)
        for environment in [[:], ["TETHER_JWT_SECRET": ""]] {
            #expect(
                try Authenticator.loadSecret(environment: environment, dataDirectory: directory + "/")
                    == Array("from-file-0123456789abcdef0123456789".utf8))
        }
    }

    /// A secret of 32 bytes with spaces at both ends, which are part of it.
    static let longSecretWithSpaces = " s3cret-s3cret-s3cret-s3cret-s3 "

    @Test func refusesASecretShorterThanThirtyTwoBytesFromEitherPlace() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let short = String(repeating: "k", count: Authenticator.minimumSecretBytes - 1)
        #expect(throws: Authenticator.SecretError.tooShort(source: "TETHER_JWT_SECRET", length: 31)) {
            try Authenticator.loadSecret(environment: ["TETHER_JWT_SECRET": short], dataDirectory: directory)
        }
        let path = directory + "/jwt.secret"
        try (short + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try Authenticator.loadSecret(environment: [:], dataDirectory: directory)
            Issue.record("loaded a 31-byte secret")
        } catch let error as Authenticator.SecretError {
            #expect(error == .tooShort(source: path, length: 31))
            #expect(error.description.contains("openssl rand -hex 32"), "\(error)")
        }
        // Exactly the minimum is enough.
        try (short + "k").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try Authenticator.loadSecret(environment: [:], dataDirectory: directory).count == 32)
    }

    @Test func namesTheSecretFileWhenThereIsNoSecret() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/jwt.secret"
        do {
            _ = try Authenticator.loadSecret(environment: [:], dataDirectory: directory)
            Issue.record("loaded a secret that does not exist")
        } catch let error as Authenticator.SecretError {
            #expect(error == .missing(path: path))
            #expect(error.description.contains(path))
            #expect(error.description.contains("TETHER_JWT_SECRET"))
        }
        try "\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: Authenticator.SecretError.empty(path: path)) {
            try Authenticator.loadSecret(environment: [:], dataDirectory: directory)
        }
    }

    // MARK: - Helpers

    static let secret = Array("s3cret".utf8)
    static let now: Int64 = 1_700_000_000

    private var verifier: TokenVerifier { TokenVerifier(secret: Self.secret) }
    private var authenticator: Authenticator { Authenticator(verifier: verifier) }

    /// Signs `header.payload` the way scripts/token does: base64url of each JSON text as given,
    /// then HMAC-SHA-256 of the ASCII `header.payload` under the secret's bytes.
    static func mint(
        header: String = #"{"alg":"HS256","typ":"JWT"}"#, payload: String, key: [UInt8] = AuthTests.secret
    ) -> String {
        let signingInput = Base64URL.encode(header.utf8) + "." + Base64URL.encode(payload.utf8)
        return signingInput + "." + Base64URL.encode(HMACSHA256.authenticate(signingInput.utf8, key: key))
    }

    private func mint(header: String = #"{"alg":"HS256","typ":"JWT"}"#, payload: String, key: [UInt8] = AuthTests.secret) -> String {
        Self.mint(header: header, payload: payload, key: key)
    }

    static func head(authorization: String?) -> HTTPRequestHead {
        var headers: HTTPHeaders = ["Host": "x"]
        if let authorization { headers.append(name: "Authorization", value: authorization) }
        return head(headers: headers)
    }

    static func head(headers: HTTPHeaders) -> HTTPRequestHead {
        HTTPRequestHead(
            method: "GET", target: "/api/contacts", path: "/api/contacts", query: nil, version: .http1_1,
            headers: headers, keepAlive: true, bodyFraming: .none)
    }

    private func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "auth-tests-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }
}
