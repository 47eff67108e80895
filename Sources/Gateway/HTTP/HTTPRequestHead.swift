/// The HTTP version a request line names; only 1.0 and 1.1 get past the parser.
struct HTTPVersion: Sendable, Equatable, CustomStringConvertible {
    var major: Int
    var minor: Int

    static let http1_0 = HTTPVersion(major: 1, minor: 0)
    static let http1_1 = HTTPVersion(major: 1, minor: 1)

    var description: String { "HTTP/\(major).\(minor)" }
}

/// How the body that follows a request head is delimited.
enum BodyFraming: Sendable, Equatable {
    /// Neither Content-Length nor Transfer-Encoding: a request without them has no body.
    case none
    case contentLength(Int)
    case chunked
}

/// The request line and header fields of one request, with its keep-alive and body framing decided.
struct HTTPRequestHead: Sendable, Equatable {
    /// As sent: case-sensitive, token bytes only.
    var method: String
    /// The raw request-target: origin-form ("/path?query"), or "*" for OPTIONS.
    var target: String
    /// The target before the first "?".
    var path: String
    /// The target after the first "?"; nil when there is no "?", "" when nothing follows it.
    var query: String?
    var version: HTTPVersion
    var headers: HTTPHeaders
    /// HTTP/1.1 keeps the connection unless "Connection: close"; HTTP/1.0 closes it unless
    /// "Connection: keep-alive" (close wins when both are named), and always after a chunked body.
    var keepAlive: Bool
    var bodyFraming: BodyFraming
}

// MARK: - Parsing a head section

extension HTTPRequestHead {
    /// Builds a head from one complete head section: the request line and field lines, each ending in CRLF,
    /// then the blank line.
    ///
    /// The section scanner has already refused bare CRs and LFs, so every CR here starts a CRLF;
    /// it also counted the `fieldLines`, which only size the header storage.
    /// Throws for a malformed request line or field line, more than `maxHeaderCount` fields,
    /// conflicting or unsupported framing, or a version other than 1.0 and 1.1.
    /// Host is not required: the gateway serves one internal tool under any name.
    init(parsing p: UnsafeBufferPointer<UInt8>, fieldLines: Int, limits: HTTPLimits) throws(HTTPParseError) {
        let line = try RequestLine(parsing: p)
        var headers = HTTPHeaders(minimumCapacity: min(fieldLines, limits.maxHeaderCount))
        var framing = FramingFields()
        var lineStart = line.end + 2
        while p[lineStart] != HTTPGrammar.cr {
            guard headers.count < limits.maxHeaderCount else { throw .tooManyHeaders(limit: limits.maxHeaderCount) }
            let field = try HTTPHeaders.parseFieldLine(p, from: lineStart)
            try framing.note(field, in: p)
            headers.append(name: Self.string(p, field.name), value: Self.string(p, field.value))
            lineStart = field.end + 2
        }

        method = Self.string(p, line.method)
        target = Self.string(p, line.target)
        if let mark = line.queryMark {
            path = Self.string(p, line.target.lowerBound..<mark)
            query = Self.string(p, mark + 1..<line.target.upperBound)
        } else {
            path = target
            query = nil
        }
        version = line.version
        self.headers = headers
        bodyFraming = try framing.decide(in: p)
        keepAlive =
            switch (line.version, bodyFraming) {
            case (.http1_0, .chunked): false  // RFC 9112 §6.1: close after a chunked HTTP/1.0 request
            case (.http1_0, _): framing.keepAlive && !framing.close
            default: !framing.close
            }
    }

    @inline(__always)
    private static func string(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: p[range]), as: UTF8.self)
    }
}

/// Where the parts of a validated request line (`method SP request-target SP HTTP-version CRLF`) lie.
private struct RequestLine {
    var method: Range<Int>
    var target: Range<Int>
    var queryMark: Int?
    var version: HTTPVersion
    /// The index of the CR that ends the line.
    var end: Int

    /// Parses the line at the start of `p`; a CR ends it, so no byte past that CR is read.
    ///
    /// Throws `.malformedRequestLine` for missing parts, extra spaces, a non-token method or a target
    /// that is not origin-form (or "*" with OPTIONS), and `.unsupportedVersion` for a well-formed
    /// version other than 1.0 and 1.1.
    init(parsing p: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) {
        var i = 0
        while HTTPGrammar.isToken(p[i]) { i += 1 }
        method = 0..<i
        guard p[i] == HTTPGrammar.space, i > 0 else {
            let reason =
                switch p[i] {
                case HTTPGrammar.cr where i > 0: "the request target is missing"
                case HTTPGrammar.space: "it starts with a space"
                case let b where i == 0: "the method starts with byte \(HTTPGrammar.hex(b))"
                case let b: "the method contains byte \(HTTPGrammar.hex(b))"
                }
            throw .malformedRequestLine(reason: reason)
        }
        i += 1

        let targetStart = i
        var queryMark: Int?
        while p[i] > HTTPGrammar.space && p[i] < 0x7F {  // visible ASCII
            if p[i] == UInt8(ascii: "?") && queryMark == nil { queryMark = i }
            i += 1
        }
        target = targetStart..<i
        self.queryMark = queryMark
        guard p[i] == HTTPGrammar.space, i > targetStart else {
            let reason =
                switch p[i] {
                case HTTPGrammar.space: "it has an extra space before the target"
                case HTTPGrammar.cr where i == targetStart: "the request target is missing"
                case HTTPGrammar.cr: "the HTTP version is missing"
                case let b: "the request target contains byte \(HTTPGrammar.hex(b))"
                }
            throw .malformedRequestLine(reason: reason)
        }
        i += 1

        (version, end) = try Self.version(p, from: i)
        if p[targetStart] == UInt8(ascii: "*") && target.count == 1 {
            guard HTTPGrammar.equals(p, method, "OPTIONS") else {
                throw .malformedRequestLine(reason: "the target \"*\" is only allowed with OPTIONS")
            }
        } else if p[targetStart] != UInt8(ascii: "/") {
            // Absolute-form ("http://host/…") is for proxies; nothing in front of the gateway sends it.
            throw .malformedRequestLine(
                reason: "the request target \"\(HTTPGrammar.excerpt(p, target))\" does not start with \"/\"")
        }
    }

    /// Parses `HTTP/<digit>.<digit>` then CR at `s` and returns the version and the CR's index.
    ///
    /// Anything else is malformed; a version other than 1.0 or 1.1 is unsupported. The checks stop
    /// at the first mismatch, so they never read past the CR that ends the line.
    private static func version(
        _ p: UnsafeBufferPointer<UInt8>, from s: Int
    ) throws(HTTPParseError) -> (HTTPVersion, end: Int) {
        let isDigit = { (b: UInt8) in b &- UInt8(ascii: "0") < 10 }
        guard p[s] == UInt8(ascii: "H"), p[s + 1] == UInt8(ascii: "T"), p[s + 2] == UInt8(ascii: "T"),
            p[s + 3] == UInt8(ascii: "P"), p[s + 4] == UInt8(ascii: "/"), isDigit(p[s + 5]),
            p[s + 6] == UInt8(ascii: "."), isDigit(p[s + 7]), p[s + 8] == HTTPGrammar.cr
        else {
            var end = s
            while p[end] != HTTPGrammar.cr { end += 1 }
            if end == s { throw .malformedRequestLine(reason: "the HTTP version is missing") }
            throw .malformedRequestLine(reason: "\"\(HTTPGrammar.excerpt(p, s..<end))\" is not an HTTP version")
        }
        let version = HTTPVersion(major: Int(p[s + 5] - UInt8(ascii: "0")), minor: Int(p[s + 7] - UInt8(ascii: "0")))
        guard version == .http1_1 || version == .http1_0 else { throw .unsupportedVersion(version.description) }
        return (version, s + 8)
    }
}

/// What the fields that decide framing and keep-alive said, gathered while the field lines are read.
private struct FramingFields {
    var contentLength: Int?
    var transferEncodings: [Range<Int>] = []
    var close = false
    var keepAlive = false

    /// Records `field` when it is Content-Length, Transfer-Encoding or Connection.
    ///
    /// Throws `.invalidContentLength` for anything but digits (a list of equal values is allowed)
    /// and `.conflictingContentLengths` when two values differ.
    mutating func note(_ field: FieldLine, in p: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) {
        switch field.name.count {
        case 14 where HTTPGrammar.equalsIgnoringCase(p, field.name, "content-length"):
            let value = field.value
            try HTTPGrammar.forEachListElement(p, value) { (element) throws(HTTPParseError) in
                guard let length = Self.decimal(p, element) else {
                    throw .invalidContentLength(HTTPGrammar.excerpt(p, value))
                }
                if let previous = contentLength, previous != length {
                    throw .conflictingContentLengths(previous, length)
                }
                contentLength = length
            }
        case 17 where HTTPGrammar.equalsIgnoringCase(p, field.name, "transfer-encoding"):
            transferEncodings.append(field.value)
        case 10 where HTTPGrammar.equalsIgnoringCase(p, field.name, "connection"):
            HTTPGrammar.forEachListElement(p, field.value) { element in
                if HTTPGrammar.equalsIgnoringCase(p, element, "close") { close = true }
                if HTTPGrammar.equalsIgnoringCase(p, element, "keep-alive") { keepAlive = true }
            }
        default:
            break
        }
    }

    /// Content-Length and Transfer-Encoding together are refused (request smuggling), and the only
    /// transfer coding accepted is a single "chunked".
    func decide(in p: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> BodyFraming {
        if transferEncodings.isEmpty {
            return contentLength.map(BodyFraming.contentLength) ?? .none
        }
        guard contentLength == nil else { throw .conflictingFraming }
        guard transferEncodings.count == 1, HTTPGrammar.equalsIgnoringCase(p, transferEncodings[0], "chunked") else {
            throw .unsupportedTransferEncoding(
                transferEncodings.map { HTTPGrammar.excerpt(p, $0) }.joined(separator: ", "))
        }
        return .chunked
    }

    /// A non-empty run of ASCII digits as an Int; nil for anything else or on overflow.
    private static func decimal(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty else { return nil }
        var value = 0
        for i in range {
            let digit = p[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = shifted.addingReportingOverflow(Int(digit))
            guard !o1 && !o2 else { return nil }
            value = sum
        }
        return value
    }
}
