/// Why a request was refused; each case carries the facts, `status` and `message` say how to answer.
///
/// After the parser throws one of these the connection is closed once the error response is sent.
enum HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformedRequestLine(reason: String)
    case unsupportedVersion(String)
    /// A CR not followed by LF, or an LF not preceded by CR, at `offset` within the head or trailer section.
    case invalidLineEnding(offset: Int)
    case malformedHeader(reason: String)
    case headersTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    case invalidContentLength(String)
    case conflictingContentLengths(Int, Int)
    case conflictingFraming
    case unsupportedTransferEncoding(String)
    /// `length` is the declared Content-Length, or the chunked total including the chunk that crossed the limit.
    case bodyTooLarge(length: Int, limit: Int)
    case malformedChunk(reason: String)

    /// The HTTP status code the gateway answers with.
    var status: Int {
        switch self {
        case .malformedRequestLine, .invalidLineEnding, .malformedHeader, .invalidContentLength,
            .conflictingContentLengths, .conflictingFraming, .malformedChunk:
            400
        case .bodyTooLarge: 413
        case .headersTooLarge, .tooManyHeaders: 431
        case .unsupportedTransferEncoding: 501
        case .unsupportedVersion: 505
        }
    }

    /// One sentence for the client: what is wrong and what to send instead.
    var message: String {
        switch self {
        case .malformedRequestLine(let reason):
            "Malformed request line: \(reason); send \"METHOD /path HTTP/1.1\" followed by CRLF."
        case .unsupportedVersion(let version):
            "HTTP version \"\(version)\" is not supported; send HTTP/1.1 or HTTP/1.0."
        case .invalidLineEnding(let offset):
            "Bare CR or LF at byte \(offset) of the header section; end every line with CRLF."
        case .malformedHeader(let reason):
            "Malformed header: \(reason); send each header as \"Name: value\" followed by CRLF."
        case .headersTooLarge(let limit):
            "Request headers exceed \(limit) bytes; send fewer or smaller headers."
        case .tooManyHeaders(let limit):
            "Request has more than \(limit) header fields; send fewer headers."
        case .invalidContentLength(let value):
            "Content-Length \"\(value)\" is not a decimal byte count; send the body length as digits only."
        case .conflictingContentLengths(let first, let second):
            "Content-Length is given as both \(first) and \(second); send one Content-Length."
        case .conflictingFraming:
            "Request has both Content-Length and Transfer-Encoding; send only one of them."
        case .unsupportedTransferEncoding(let value):
            "Transfer-Encoding \"\(value)\" is not supported; send \"chunked\" or a Content-Length instead."
        case .bodyTooLarge(let length, let limit):
            "Request body reaches \(length) bytes, over the \(limit)-byte limit; send a smaller body."
        case .malformedChunk(let reason):
            "Malformed chunked body: \(reason); send hex size, CRLF, data, CRLF for each chunk and end with \"0\" CRLF CRLF."
        }
    }

    var description: String { "HTTP request rejected with \(status): \(message)" }
}
