/// One step of the request parser's output.
enum HTTPParseEvent: Sendable, Equatable {
    case head(HTTPRequestHead)
    /// A piece of the body, de-chunked; a body may come in any number of pieces.
    case body([UInt8])
    /// The request is complete; comes right after `.head` when there is no body.
    case end
}

/// An incremental HTTP/1.1 request parser: the shell appends what it reads, then calls `next()` until it returns nil.
///
/// Pipelined requests follow one another in the same buffer. Body bytes come out as soon as they
/// arrive, so a large body is never held whole. Policy choices: bare LF and bare CR line endings
/// are refused (400); empty lines before a request line are skipped (RFC 9112 §2.2) but count
/// against `maxHeaderBytes`; the request target must be origin-form ("/…"), or "*" with OPTIONS;
/// Host is not required; trailers are validated against the header limits and dropped.
struct HTTPRequestParser: Sendable {
    /// Where the parser is within the current request.
    private enum State {
        /// Looking for the blank line that ends the head; `preamble` counts skipped empty lines.
        case head(preamble: Int, scan: SectionScan)
        case fixedBody(remaining: Int)
        /// `total` is the body size announced by the chunks so far, checked against the body limit.
        case chunkSizeLine(scanned: Int, total: Int)
        case chunkData(remaining: Int, total: Int)
        case chunkDataEnd(total: Int)
        case trailers(scan: SectionScan)
        /// The request is complete and `.end` is the next event.
        case endOfMessage
        case failed(HTTPParseError)
    }

    /// How far the search for the blank line ending a field section has got, relative to the
    /// section's start, so a resumed search does not scan the same bytes again.
    private struct SectionScan {
        var scanned = 0
        var lineStart = 0
        /// Lines ended so far, not counting the blank line.
        var lines = 0
    }

    let limits: HTTPLimits
    private let bodyLimit: @Sendable (HTTPRequestHead) -> Int
    /// Visible to tests, which check that consumed bytes are dropped.
    private(set) var buffer: [UInt8] = []
    private var readIndex = 0
    private var state = State.head(preamble: 0, scan: SectionScan())
    private var currentBodyLimit = 0

    /// `bodyLimit` gives each request's body limit from its head, e.g. a larger one for an import path.
    init(limits: HTTPLimits = .standard, bodyLimit: @escaping @Sendable (HTTPRequestHead) -> Int) {
        // Limits are our configuration, not peer input.
        precondition(limits.maxHeaderBytes > 0 && limits.maxHeaderCount >= 0 && limits.maxBodyBytes >= 0)
        precondition(limits.maxChunkSizeLineBytes >= 3, "a chunk-size line needs a digit and CRLF")
        self.limits = limits
        self.bodyLimit = bodyLimit
    }

    /// Every request gets `limits.maxBodyBytes`.
    init(limits: HTTPLimits = .standard) {
        let maxBodyBytes = limits.maxBodyBytes
        self.init(limits: limits, bodyLimit: { _ in maxBodyBytes })
    }

    /// Bytes received but not yet consumed.
    var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends bytes read from the socket; call `next()` until it returns nil before appending more.
    mutating func append(_ bytes: some Collection<UInt8>) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next event, or nil when more bytes are needed.
    ///
    /// Throws on malformed input or an exceeded limit; the parser then stays failed and throws the
    /// same error again, because the connection is closed after the error response.
    mutating func next() throws(HTTPParseError) -> HTTPParseEvent? {
        do throws(HTTPParseError) {
            return try step()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    // MARK: - Steps

    private mutating func step() throws(HTTPParseError) -> HTTPParseEvent? {
        while true {
            switch state {
            case .failed(let error):
                throw error

            case .endOfMessage:
                state = .head(preamble: 0, scan: SectionScan())
                return .end

            case .head(var preamble, var scan):
                if scan.scanned == 0 {
                    while bufferedByteCount >= 2 && buffer[readIndex] == HTTPGrammar.cr
                        && buffer[readIndex + 1] == HTTPGrammar.lf
                    {
                        readIndex += 2
                        preamble += 2
                    }
                }
                let budget = limits.maxHeaderBytes - preamble
                guard budget > 0 else { throw .headersTooLarge(limit: limits.maxHeaderBytes) }
                let limit = limits.maxHeaderBytes
                let found = try withUnreadBytes { (p) throws(HTTPParseError) in
                    try Self.findSectionEnd(p, budget: budget, limit: limit, scan: &scan)
                }
                guard let length = found else {
                    state = .head(preamble: preamble, scan: scan)
                    return nil
                }
                let limits = self.limits
                let head = try withUnreadBytes { (p) throws(HTTPParseError) in
                    try HTTPRequestHead(
                        parsing: UnsafeBufferPointer(rebasing: p[0..<length]), fieldLines: scan.lines - 1,
                        limits: limits)
                }
                readIndex += length
                try startBody(of: head)
                return .head(head)

            case .fixedBody(let remaining):
                guard bufferedByteCount > 0 else { return nil }
                let count = min(bufferedByteCount, remaining)
                state = count == remaining ? .endOfMessage : .fixedBody(remaining: remaining - count)
                return .body(take(count))

            case .chunkSizeLine(var scanned, let total):
                let lineLimit = limits.maxChunkSizeLineBytes
                let parsed = try withUnreadBytes { (p) throws(HTTPParseError) in
                    try Self.parseChunkSizeLine(p, limit: lineLimit, scanned: &scanned)
                }
                guard let (size, lineLength) = parsed else {
                    state = .chunkSizeLine(scanned: scanned, total: total)
                    return nil
                }
                readIndex += lineLength
                if size == 0 {
                    state = .trailers(scan: SectionScan())
                    continue
                }
                let (newTotal, overflow) = total.addingReportingOverflow(size)
                guard !overflow && newTotal <= currentBodyLimit else {
                    throw .bodyTooLarge(length: overflow ? Int.max : newTotal, limit: currentBodyLimit)
                }
                state = .chunkData(remaining: size, total: newTotal)

            case .chunkData(let remaining, let total):
                guard bufferedByteCount > 0 else { return nil }
                let count = min(bufferedByteCount, remaining)
                state =
                    count == remaining
                    ? .chunkDataEnd(total: total) : .chunkData(remaining: remaining - count, total: total)
                return .body(take(count))

            case .chunkDataEnd(let total):
                guard bufferedByteCount >= 2 else {
                    if bufferedByteCount == 1 && buffer[readIndex] != HTTPGrammar.cr { throw Self.missingChunkCRLF }
                    return nil
                }
                guard buffer[readIndex] == HTTPGrammar.cr && buffer[readIndex + 1] == HTTPGrammar.lf else {
                    throw Self.missingChunkCRLF
                }
                readIndex += 2
                state = .chunkSizeLine(scanned: 0, total: total)

            case .trailers(var scan):
                let limit = limits.maxHeaderBytes
                let found = try withUnreadBytes { (p) throws(HTTPParseError) in
                    try Self.findSectionEnd(p, budget: limit, limit: limit, scan: &scan)
                }
                guard let length = found else {
                    state = .trailers(scan: scan)
                    return nil
                }
                let limits = self.limits
                try withUnreadBytes { (p) throws(HTTPParseError) in
                    try Self.validateTrailers(UnsafeBufferPointer(rebasing: p[0..<length]), limits: limits)
                }
                readIndex += length
                state = .head(preamble: 0, scan: SectionScan())
                return .end
            }
        }
    }

    /// Picks the body state for `head`; a Content-Length over the request's body limit is refused at once.
    private mutating func startBody(of head: HTTPRequestHead) throws(HTTPParseError) {
        switch head.bodyFraming {
        case .none:
            state = .endOfMessage
        case .contentLength(let length):
            let limit = bodyLimit(head)
            guard length <= limit else { throw .bodyTooLarge(length: length, limit: limit) }
            state = length == 0 ? .endOfMessage : .fixedBody(remaining: length)
        case .chunked:
            currentBodyLimit = bodyLimit(head)
            state = .chunkSizeLine(scanned: 0, total: 0)
        }
    }

    private static let missingChunkCRLF = HTTPParseError.malformedChunk(reason: "chunk data is not followed by CRLF")

    // MARK: - Scanning

    /// Looks for the blank line that ends a field section starting at `p[0]`, resuming at `scan`,
    /// which then also tells how many lines came before the blank one.
    ///
    /// Returns the section's length including that blank line's CRLF, or nil when more bytes are
    /// needed. Throws `.headersTooLarge(limit)` as soon as `budget` bytes are buffered without the
    /// section ending in them, and `.invalidLineEnding` for a CR without LF or an LF without CR.
    private static func findSectionEnd(
        _ p: UnsafeBufferPointer<UInt8>, budget: Int, limit: Int, scan: inout SectionScan
    ) throws(HTTPParseError) -> Int? {
        let end = min(p.count, budget)
        var i = scan.scanned
        var lineStart = scan.lineStart
        var lines = scan.lines
        while i < end {
            if end - i >= 8 && !Self.hasByteBelowFourteen(p, at: i) {
                i += 8
                continue
            }
            let b = p[i]
            if b > HTTPGrammar.cr {  // most bytes: neither CR nor LF
                i += 1
            } else if b == HTTPGrammar.cr {
                if i + 1 == end { break }  // the LF is not here yet, or lies past the budget
                guard p[i + 1] == HTTPGrammar.lf else { throw .invalidLineEnding(offset: i) }
                if i == lineStart {
                    scan = SectionScan(scanned: i + 2, lineStart: i + 2, lines: lines)
                    return i + 2
                }
                lines += 1
                i += 2
                lineStart = i
            } else if b == HTTPGrammar.lf {
                throw .invalidLineEnding(offset: i)
            } else {
                i += 1
            }
        }
        if p.count >= budget { throw .headersTooLarge(limit: limit) }
        scan = SectionScan(scanned: i, lineStart: lineStart, lines: lines)
        return nil
    }

    /// Whether any of the 8 bytes at `p[i]` is below 0x0E (CR, LF, HTAB, …), tested as one word so
    /// the scan skips ordinary header text 8 bytes at a time. Exact for every byte value (SWAR "hasless").
    @inline(__always)
    private static func hasByteBelowFourteen(_ p: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        // `!`: the caller checked that 8 bytes lie at `i`, so the buffer is not empty.
        let word = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self)
        return (word &- 0x0E0E_0E0E_0E0E_0E0E) & ~word & 0x8080_8080_8080_8080 != 0
    }

    /// Parses a chunk-size line at `p[0]`: hex digits, optionally BWS ";" and extensions (ignored), CRLF.
    ///
    /// Returns the size and the line's length with its CRLF, or nil when the CRLF has not arrived;
    /// `scanned` remembers how far the search got. Throws `.malformedChunk` for a missing or
    /// overflowing size, other bytes after it, a control byte, a bare CR or LF, or a line over `limit`.
    private static func parseChunkSizeLine(
        _ p: UnsafeBufferPointer<UInt8>, limit: Int, scanned: inout Int
    ) throws(HTTPParseError) -> (size: Int, length: Int)? {
        let end = min(p.count, limit)
        var lineEnd = scanned
        while true {
            guard lineEnd < end else {
                if p.count >= limit { throw .malformedChunk(reason: "a chunk-size line exceeds \(limit) bytes") }
                scanned = lineEnd
                return nil
            }
            let b = p[lineEnd]
            if b == HTTPGrammar.cr {
                guard lineEnd + 1 < end else {
                    if p.count >= limit { throw .malformedChunk(reason: "a chunk-size line exceeds \(limit) bytes") }
                    scanned = lineEnd
                    return nil
                }
                guard p[lineEnd + 1] == HTTPGrammar.lf else {
                    throw .malformedChunk(reason: "a chunk-size line has a bare CR")
                }
                break
            }
            guard b != HTTPGrammar.lf else { throw .malformedChunk(reason: "a chunk-size line ends in a bare LF") }
            lineEnd += 1
        }

        var size = 0
        var i = 0
        while i < lineEnd, let digit = hexValue(p[i]) {
            let (shifted, overflow) = size.multipliedReportingOverflow(by: 16)
            guard !overflow else { throw .malformedChunk(reason: "the chunk size does not fit in 63 bits") }
            size = shifted | digit
            i += 1
        }
        guard i > 0 else {
            throw .malformedChunk(reason: "\"\(HTTPGrammar.excerpt(p, 0..<lineEnd))\" does not start with a hex size")
        }
        while i < lineEnd && HTTPGrammar.isWhitespace(p[i]) { i += 1 }
        if i < lineEnd {
            guard p[i] == UInt8(ascii: ";") else {
                throw .malformedChunk(reason: "the chunk size is followed by byte \(HTTPGrammar.hex(p[i]))")
            }
            for j in i..<lineEnd where !HTTPGrammar.isFieldValueByte(p[j]) {
                throw .malformedChunk(reason: "a chunk extension contains control byte \(HTTPGrammar.hex(p[j]))")
            }
        }
        return (size, lineEnd + 2)
    }

    @inline(__always)
    private static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(b &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(b &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(b &- UInt8(ascii: "A") &+ 10)
        default: nil
        }
    }

    /// Checks a complete trailer section (field lines, then the blank line) against the header
    /// grammar and limits; the fields themselves are dropped.
    private static func validateTrailers(_ p: UnsafeBufferPointer<UInt8>, limits: HTTPLimits) throws(HTTPParseError) {
        var lineStart = 0
        var count = 0
        while p[lineStart] != HTTPGrammar.cr {
            count += 1
            guard count <= limits.maxHeaderCount else { throw .tooManyHeaders(limit: limits.maxHeaderCount) }
            lineStart = try HTTPHeaders.parseFieldLine(p, from: lineStart).end + 2
        }
    }

    // MARK: - Buffer

    /// Calls `body` with the bytes not yet consumed, indexed from 0.
    private func withUnreadBytes<R>(
        _ body: (UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> R
    ) throws(HTTPParseError) -> R {
        let start = readIndex
        return try buffer.withUnsafeBufferPointer { (all) throws(HTTPParseError) -> R in
            try body(UnsafeBufferPointer(rebasing: all[start...]))
        }
    }

    /// Consumes `count` buffered bytes and returns a copy of them.
    private mutating func take(_ count: Int) -> [UInt8] {
        let bytes = Array(buffer[readIndex..<readIndex + count])
        readIndex += count
        return bytes
    }

    /// Drops consumed bytes once they are the larger part of the buffer, so a long-lived
    /// connection neither grows without bound nor copies per request.
    private mutating func compactIfWorthwhile() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 4096 && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
