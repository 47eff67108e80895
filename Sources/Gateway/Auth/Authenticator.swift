#if canImport(Glibc)
import Glibc
#endif
import WireRuntime

/// Decides who sent a request and whether they may do what it asks: 401 for a token that
/// `TokenVerifier` refuses, 403 for a reader's token on an endpoint that changes data.
struct Authenticator: Sendable {
    let verifier: TokenVerifier
    /// Tokens whose signature and claims were already checked: a client polling a job sends
    /// the same token again and again, and parsing it is most of a poll's work.
    let verified = VerifiedTokens()

    /// The claims of the request's bearer token at `now` (Unix seconds); `write` says whether
    /// the endpoint changes data, which only owners and admins may do.
    func authenticate(_ head: HTTPRequestHead, now: Int64, write: Bool) throws(APIError) -> Claims {
        let authorization = head.headers["authorization"]
        let claims: Claims
        do {
            let token = try authorization.map { (header) throws(AuthError) in try TokenVerifier.bearerToken(header) }
            if let token, let known = verified.claims(of: token) {
                try verifier.checkTimeWindow(of: known, now: now)
                claims = known
            } else {
                claims = try verifier.verify(authorization: authorization, now: now)
                if let token { verified.remember(token, claims) }
            }
        } catch {
            throw .unauthorized(error.message)
        }
        guard !write || claims.role.canWrite else {
            throw .forbidden("Role \(claims.role.rawValue) may only read: ask an owner or admin for a token that may change data.")
        }
        return claims
    }

    // MARK: - The secret

    /// The fewest bytes a secret may have. HS256's key is as strong as its bytes: a short secret
    /// can be found by trying candidates against any one token, after which every tenant's data is
    /// open. 32 bytes is SHA-256's output size, the length RFC 7518 §3.2 asks of an HS256 key;
    /// `openssl rand -hex 32`, which scripts/cluster uses, gives 64.
    static let minimumSecretBytes = 32

    /// Why no secret could be loaded.
    enum SecretError: Error, Equatable, CustomStringConvertible {
        /// Neither TETHER_JWT_SECRET nor the file at `path`.
        case missing(path: String)
        /// The file at `path` holds nothing but newlines.
        case empty(path: String)
        /// The secret from `source` (TETHER_JWT_SECRET or a file's path) has `length` bytes, fewer than the minimum.
        case tooShort(source: String, length: Int)

        var description: String {
            switch self {
            case .missing(let path):
                "JWT secret: TETHER_JWT_SECRET is unset and \(path) does not exist; set one, or start the cluster with scripts/cluster, which writes it"
            case .empty(let path):
                "JWT secret: \(path) is empty; write a secret into it (e.g. `openssl rand -hex 32`) or set TETHER_JWT_SECRET"
            case .tooShort(let source, let length):
                "JWT secret: the one in \(source) has \(length) bytes, fewer than the \(Authenticator.minimumSecretBytes) an HS256 key needs; "
                    + "replace it with a longer one (e.g. `openssl rand -hex 32`)"
            }
        }
    }

    /// The HMAC key scripts/token signs with: `TETHER_JWT_SECRET` if set and non-empty, else the
    /// bytes of `dataDirectory/jwt.secret` without trailing newlines.
    ///
    /// Only newlines are trimmed, because scripts/token reads the file with `$(cat …)`, which
    /// strips exactly those; trimming more would make a secret ending in a space or CR sign
    /// differently here. Throws `SecretError` when there is no secret or it is shorter than
    /// `minimumSecretBytes`, `SystemCallError` when the file exists but cannot be read.
    static func loadSecret(environment: [String: String], dataDirectory: String) throws -> [UInt8] {
        if let secret = environment["TETHER_JWT_SECRET"], !secret.isEmpty {
            return try long(Array(secret.utf8), from: "TETHER_JWT_SECRET")
        }
        let path = ClusterLayout(dataDirectory: dataDirectory).dataDirectory + "/jwt.secret"
        var bytes = try readFile(path)
        while bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        guard !bytes.isEmpty else { throw SecretError.empty(path: path) }
        return try long(bytes, from: path)
    }

    /// `secret`, unless it is shorter than `minimumSecretBytes`.
    private static func long(_ secret: [UInt8], from source: String) throws(SecretError) -> [UInt8] {
        guard secret.count >= minimumSecretBytes else { throw .tooShort(source: source, length: secret.count) }
        return secret
    }

    /// The whole content of the small file at `path`.
    private static func readFile(_ path: String) throws -> [UInt8] {
        let fd: Int32
        do {
            fd = try systemCallBlocking("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        } catch let error as SystemCallError where error.errno == ENOENT {
            throw SecretError.missing(path: path)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try chunk.withUnsafeMutableBytes { buffer in
                try systemCallBlocking("read", path) { read(fd, buffer.baseAddress, buffer.count) }
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }
}
