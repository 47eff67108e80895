import CCrypto
import Foundation
import Wire
import WireRuntime

/// What the registry keeps of a permanent delete's filter, which must keep nothing personal:
/// its search term (a substring of a name, an email or a phone) is personal when a caller
/// looks for one person. The job document shows it redacted from registration on; the stored
/// filter keeps it only while the job runs (a restarted coordinator dispatches it again); its
/// Idempotency-Key remembers a digest of the filter rather than the filter.
enum PermanentDeleteRedaction {
    /// `filterJSON` (the gateway's canonical rendering of `filter`) with the search term shown as
    /// `ContactFilter.redactedSearch`: every occurrence of the term as a JSON string goes, so no
    /// rendering of the key's place can leave it behind.
    static func filterJSON(_ filterJSON: String, of filter: ContactFilter) -> String {
        guard let search = filter.search else { return filterJSON }
        return filterJSON.replacingOccurrences(of: JSONText.quoted(search), with: JSONText.quoted(ContactFilter.redactedSearch))
    }

    /// What an Idempotency-Key remembers of `filter`: its canonical stored bytes, or for a
    /// permanent delete their SHA-256. Equal filters give equal digests, so a retry still
    /// replays and another filter is still a conflict.
    static func keyFilter(_ filter: ContactFilter, permanent: Bool) -> [UInt8] {
        let bytes = filter.canonical.storedBytes
        return permanent ? sha256(bytes) : bytes
    }

    /// Whether a key that remembered `stored` came with `filter`, in either form `keyFilter`
    /// gives: a key of a permanent delete remembered before digests were kept holds the bytes.
    static func key(_ stored: [UInt8], remembers filter: ContactFilter) -> Bool {
        let bytes = filter.canonical.storedBytes
        return stored == bytes || stored == sha256(bytes)
    }

    private static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let done = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { EVP_Digest(input.baseAddress, input.count, $0.baseAddress, &length, EVP_sha256(), nil) }
        }
        // EVP_Digest fails only when OpenSSL cannot allocate or SHA-256 is missing from the build.
        precondition(done == 1 && length == 32, "OpenSSL SHA-256 failed")
        return Array(digest.prefix(32))
    }
}
