import CCrypto

/// A Content-Security-Policy for a page of our own that carries its script and style inline:
/// each `<script>` and `<style>` block is allowed by the SHA-256 of its bytes as served
/// (CSP 3 §8.3), so the policy needs no `'unsafe-inline'`, and an injected script or style
/// — or an attribute such as `style=` or `onclick=`, which hashes never allow — does not run.
enum InlineContentPolicy {
    /// The policy for `page`, whose inline blocks are the bare `<script>` and `<style>` elements
    /// (no attributes) it holds; `rest` follows the script and style directives.
    static func header(for page: [UInt8], rest: String) -> String {
        "default-src 'none'; script-src \(sources(blocks(of: "script", in: page))); style-src \(sources(blocks(of: "style", in: page))); \(rest)"
    }

    /// The bytes inside each `<tag>…</tag>` of `page`, in order.
    static func blocks(of tag: String, in page: [UInt8]) -> [ArraySlice<UInt8>] {
        let opening = Array("<\(tag)>".utf8)
        let closing = Array("</\(tag)>".utf8)
        var found: [ArraySlice<UInt8>] = []
        var from = page.startIndex
        while let start = firstIndex(of: opening, in: page[from...]).map({ $0 + opening.count }),
            let end = firstIndex(of: closing, in: page[start...])
        {
            found.append(page[start..<end])
            from = end + closing.count
        }
        return found
    }

    /// `'sha256-…'` for each block, or `'none'` when there is none.
    private static func sources(_ blocks: [ArraySlice<UInt8>]) -> String {
        blocks.isEmpty ? "'none'" : blocks.map { "'sha256-\(base64(sha256($0)))'" }.joined(separator: " ")
    }

    private static func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (haystack.startIndex...(haystack.endIndex - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    private static func sha256(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let done = Array(bytes).withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { EVP_Digest(input.baseAddress, input.count, $0.baseAddress, &length, EVP_sha256(), nil) }
        }
        // EVP_Digest fails only when OpenSSL cannot allocate or SHA-256 is missing from the build.
        precondition(done == 1 && length == 32, "OpenSSL SHA-256 failed")
        return Array(digest.prefix(32))
    }

    /// Padded standard base64 (RFC 4648 §4), which CSP hash sources are written in: base64url's
    /// text with its two alphabet differences undone.
    private static func base64(_ bytes: [UInt8]) -> String {
        let url = Base64URL.encode(bytes).map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 }
        return String(url) + String(repeating: "=", count: (4 - url.count % 4) % 4)
    }
}
