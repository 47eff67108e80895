/// The size and count limits the request parser enforces, each named so a rejection can quote it.
struct HTTPLimits: Sendable, Equatable {
    /// Request line plus every header line, each with its CRLF, plus the blank line that ends the
    /// head (and any empty lines before the request line). More → `.headersTooLarge` (431). The
    /// trailer section of a chunked body gets the same budget of its own.
    var maxHeaderBytes: Int = 16 * 1024
    /// Header fields in one head (or one trailer section). More → `.tooManyHeaders` (431).
    var maxHeaderCount: Int = 100
    /// The body limit used when the parser is given no per-request `bodyLimit`. More → `.bodyTooLarge` (413).
    var maxBodyBytes: Int = 1 << 20
    /// A chunk-size line: hex size, any extensions, and its CRLF. More → `.malformedChunk` (400).
    /// Room for extensions such as a 64-hex-digit signature.
    var maxChunkSizeLineBytes: Int = 256

    static let standard = HTTPLimits()
}
