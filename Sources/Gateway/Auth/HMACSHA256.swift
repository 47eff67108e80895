import CCrypto

/// HMAC-SHA-256 (RFC 2104 over FIPS 180-4) by OpenSSL's one-shot `HMAC(EVP_sha256(), …)`.
enum HMACSHA256 {
    /// The length of every tag `authenticate` returns.
    static let byteCount = 32

    /// The 32-byte tag of `message` under `key`; any key length works (a key longer than
    /// SHA-256's 64-byte block is hashed first, as RFC 2104 says).
    static func authenticate(_ message: some Collection<UInt8>, key: some Collection<UInt8>) -> [UInt8] {
        let message = Array(message)
        let key = Array(key)
        // OpenSSL's `key_len` is an `int`; a key past 2 GiB could only come from our own bug.
        precondition(key.count <= Int(Int32.max), "HMAC key of \(key.count) bytes")
        var tag = [UInt8](repeating: 0, count: byteCount)
        var tagLength: UInt32 = 0
        let result = withNonNullBytes(key) { keyBytes in
            withNonNullBytes(message) { messageBytes in
                tag.withUnsafeMutableBufferPointer { out in
                    HMAC(
                        EVP_sha256(), keyBytes.baseAddress, Int32(keyBytes.count),
                        messageBytes.baseAddress, messageBytes.count, out.baseAddress, &tagLength)
                }
            }
        }
        // HMAC fails only when OpenSSL cannot allocate or SHA-256 is missing from the build:
        // neither is something a caller could handle.
        precondition(result != nil && tagLength == UInt32(byteCount), "OpenSSL HMAC-SHA-256 failed")
        return tag
    }

    /// Calls `body` with a pointer that is never nil, even for no bytes: OpenSSL 3.0's `HMAC` fails
    /// for a nil key of length 0 (seen here: it returns NULL), while a real pointer works.
    private static func withNonNullBytes<R>(
        _ bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        if bytes.isEmpty {
            var placeholder: UInt8 = 0
            return withUnsafePointer(to: &placeholder) { body(UnsafeBufferPointer(start: $0, count: 0)) }
        }
        return bytes.withUnsafeBufferPointer(body)
    }
}
