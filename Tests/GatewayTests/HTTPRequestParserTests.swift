import Testing

@testable import Gateway

// MARK: - Helpers

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A head as the parser should build it, with `path` and `query` split from `target`.
private func head(
    _ method: String, _ target: String, _ version: HTTPVersion = .http1_1, _ headers: HTTPHeaders = [:],
    keepAlive: Bool = true, framing: BodyFraming = .none
) -> HTTPRequestHead {
    let mark = target.firstIndex(of: "?")
    return HTTPRequestHead(
        method: method, target: target, path: String(target[..<(mark ?? target.endIndex)]),
        query: mark.map { String(target[target.index(after: $0)...]) }, version: version, headers: headers,
        keepAlive: keepAlive, bodyFraming: framing)
}

/// Adjacent body pieces joined, so events compare equal however the bytes were split.
private func merged(_ events: [HTTPParseEvent]) -> [HTTPParseEvent] {
    var result: [HTTPParseEvent] = []
    for event in events {
        if case .body(let piece) = event, case .body(let previous)? = result.last {
            result[result.count - 1] = .body(previous + piece)
        } else {
            result.append(event)
        }
    }
    return result
}

/// Appends each piece in turn and drains the parser after each; returns the merged events.
private func drain(
    _ pieces: [[UInt8]], into parser: inout HTTPRequestParser
) throws(HTTPParseError) -> [HTTPParseEvent] {
    var events: [HTTPParseEvent] = []
    for piece in pieces {
        parser.append(piece)
        while let event = try parser.next() { events.append(event) }
    }
    return merged(events)
}

private func parse(_ pieces: [[UInt8]], limits: HTTPLimits = .standard) throws(HTTPParseError) -> [HTTPParseEvent] {
    var parser = HTTPRequestParser(limits: limits)
    return try drain(pieces, into: &parser)
}

/// The error parsing `pieces` throws, or nil when it throws none.
private func parseError(_ pieces: [[UInt8]], limits: HTTPLimits = .standard) -> HTTPParseError? {
    do throws(HTTPParseError) {
        _ = try parse(pieces, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// The ways of cutting `raw` that every decoder must be indifferent to.
private func splits(of raw: [UInt8]) -> [(String, [[UInt8]])] {
    var result: [(String, [[UInt8]])] = [("whole", [raw]), ("byte by byte", raw.map { [$0] })]
    for offset in 1..<max(raw.count, 1) {
        result.append(("split at \(offset)", [Array(raw[..<offset]), Array(raw[offset...])]))
    }
    return result
}

/// A limit small enough to reach with short test input.
private func limits(headerBytes: Int = 16 * 1024, headerCount: Int = 100, bodyBytes: Int = 1 << 20) -> HTTPLimits {
    var limits = HTTPLimits()
    limits.maxHeaderBytes = headerBytes
    limits.maxHeaderCount = headerCount
    limits.maxBodyBytes = bodyBytes
    return limits
}

/// The head of a chunked upload, for tests that vary only the chunks.
private let chunkedHead = "POST /import HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"

/// The request parser fed whole, split and truncated input, valid and malformed, within and beyond its limits.
@Suite struct HTTPRequestParserTests {
    // MARK: - Valid requests

    struct ValidCase: Sendable, CustomTestStringConvertible {
        let name: String
        let raw: [UInt8]
        let expected: [HTTPParseEvent]
        var testDescription: String { name }

        init(_ name: String, _ raw: String, _ expected: [HTTPParseEvent]) {
            self.name = name
            self.raw = bytes(raw)
            self.expected = expected
        }
    }

    static let validCases: [ValidCase] = [
        ValidCase(
            "simple GET", "GET / HTTP/1.1\r\nHost: gateway\r\n\r\n",
            [.head(head("GET", "/", .http1_1, ["Host": "gateway"])), .end]),
        ValidCase(
            "query string", "GET /api/contacts/bulk-jobs?limit=5&x=?y HTTP/1.1\r\n\r\n",
            [.head(head("GET", "/api/contacts/bulk-jobs?limit=5&x=?y")), .end]),
        ValidCase("empty query", "GET /jobs? HTTP/1.1\r\n\r\n", [.head(head("GET", "/jobs?")), .end]),
        ValidCase(
            "headers with OWS, empty values and obs-text",
            "GET / HTTP/1.1\r\nX-Spaced: \t spaced  value \t\r\nX-Tight:tight\r\nX-Empty:\r\nX-Blank:   \r\nX-Text: café\r\n\r\n",
            [
                .head(
                    head(
                        "GET", "/", .http1_1,
                        [
                            "X-Spaced": "spaced  value", "X-Tight": "tight", "X-Empty": "", "X-Blank": "",
                            "X-Text": "café",
                        ])),
                .end,
            ]),
        ValidCase(
            "repeated header names kept in order", "GET / HTTP/1.1\r\nAccept: a\r\nX: 1\r\naccept: b\r\n\r\n",
            [.head(head("GET", "/", .http1_1, ["Accept": "a", "X": "1", "accept": "b"])), .end]),
        ValidCase(
            "HTTP/1.0 closes by default", "GET / HTTP/1.0\r\n\r\n",
            [.head(head("GET", "/", .http1_0, keepAlive: false)), .end]),
        ValidCase(
            "HTTP/1.0 with keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
            [.head(head("GET", "/", .http1_0, ["Connection": "Keep-Alive"], keepAlive: true)), .end]),
        ValidCase(
            "HTTP/1.0 with keep-alive and close", "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
            [.head(head("GET", "/", .http1_0, ["Connection": "keep-alive, close"], keepAlive: false)), .end]),
        ValidCase("HTTP/1.1 keeps alive by default", "GET / HTTP/1.1\r\n\r\n", [.head(head("GET", "/")), .end]),
        ValidCase(
            "HTTP/1.1 with close", "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
            [.head(head("GET", "/", .http1_1, ["Connection": "close"], keepAlive: false)), .end]),
        ValidCase(
            "HTTP/1.1 with close among tokens", "GET / HTTP/1.1\r\nconnection: Upgrade ,CLOSE\r\n\r\n",
            [.head(head("GET", "/", .http1_1, ["connection": "Upgrade ,CLOSE"], keepAlive: false)), .end]),
        ValidCase(
            "HTTP/1.1 with keep-alive", "GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n",
            [.head(head("GET", "/", .http1_1, ["Connection": "keep-alive"])), .end]),
        ValidCase(
            "Connection token that only contains close", "GET / HTTP/1.1\r\nConnection: closed\r\n\r\n",
            [.head(head("GET", "/", .http1_1, ["Connection": "closed"])), .end]),
        ValidCase(
            "Content-Length body", "POST /contacts HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world",
            [
                .head(head("POST", "/contacts", .http1_1, ["Content-Length": "11"], framing: .contentLength(11))),
                .body(bytes("hello world")), .end,
            ]),
        ValidCase(
            "Content-Length zero", "POST /x HTTP/1.1\r\ncontent-length: 0\r\n\r\n",
            [.head(head("POST", "/x", .http1_1, ["content-length": "0"], framing: .contentLength(0))), .end]),
        ValidCase(
            "identical repeated Content-Length",
            "PUT /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 003, 3\r\n\r\nabc",
            [
                .head(
                    head(
                        "PUT", "/x", .http1_1, ["Content-Length": "3", "Content-Length": "003, 3"],
                        framing: .contentLength(3))),
                .body(bytes("abc")), .end,
            ]),
        ValidCase(
            "chunked body with extensions and trailers",
            "POST /import HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n6 ; a ; b=\"q\"\r\n world\r\n0;last\r\nX-Checksum: abc\r\nX-Other:\r\n\r\n",
            [
                .head(head("POST", "/import", .http1_1, ["Transfer-Encoding": "chunked"], framing: .chunked)),
                .body(bytes("hello world")), .end,
            ]),
        ValidCase(
            "chunked body with upper-case hex and zero padding",
            "POST /import HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n00A\r\n0123456789\r\n1\r\n!\r\n000\r\n\r\n",
            [
                .head(head("POST", "/import", .http1_1, ["Transfer-Encoding": "Chunked"], framing: .chunked)),
                .body(bytes("0123456789!")), .end,
            ]),
        ValidCase(
            "chunked HTTP/1.0 closes afterwards",
            "POST /import HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
            [
                .head(
                    head(
                        "POST", "/import", .http1_0, ["Connection": "keep-alive", "Transfer-Encoding": "chunked"],
                        keepAlive: false, framing: .chunked)),
                .body(bytes("ok")), .end,
            ]),
        ValidCase(
            "pipelined requests in one buffer",
            "GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiPOST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\nGET /d?q HTTP/1.0\r\n\r\n",
            [
                .head(head("GET", "/a")), .end,
                .head(head("POST", "/b", .http1_1, ["Content-Length": "2"], framing: .contentLength(2))),
                .body(bytes("hi")), .end,
                .head(head("POST", "/c", .http1_1, ["Transfer-Encoding": "chunked"], framing: .chunked)),
                .body(bytes("x")), .end,
                .head(head("GET", "/d?q", .http1_0, keepAlive: false)), .end,
            ]),
        ValidCase(
            "empty lines before a request line are skipped",
            "GET /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nz\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
            [
                .head(head("GET", "/a", .http1_1, ["Content-Length": "1"], framing: .contentLength(1))),
                .body(bytes("z")), .end, .head(head("GET", "/b")), .end,
            ]),
        ValidCase("OPTIONS with asterisk", "OPTIONS * HTTP/1.1\r\n\r\n", [.head(head("OPTIONS", "*")), .end]),
        ValidCase(
            "extension method and token name bytes", "PURGE /cache HTTP/1.1\r\nX-!#$%&'*+-.^_`|~1: v\r\n\r\n",
            [.head(head("PURGE", "/cache", .http1_1, ["X-!#$%&'*+-.^_`|~1": "v"])), .end]),
    ]

    @Test(arguments: HTTPRequestParserTests.validCases)
    func parsesValidRequest(_ valid: ValidCase) throws {
        #expect(try parse([valid.raw]) == valid.expected)
    }

    @Test(arguments: HTTPRequestParserTests.validCases)
    func parsesSameEventsWholeByteByByteAndSplitAtEveryOffset(_ valid: ValidCase) throws {
        for (how, pieces) in splits(of: valid.raw) {
            let events = try parse(pieces)
            if events != valid.expected {
                #expect(events == valid.expected, "\(how)")
                return  // one report per case, not one per offset
            }
        }
    }

    @Test(arguments: HTTPRequestParserTests.validCases)
    func truncatedRequestNeedsMoreBytesAtEveryLength(_ valid: ValidCase) throws {
        for length in 0..<valid.raw.count {
            var parser = HTTPRequestParser()
            parser.append(valid.raw[..<length])
            var events: [HTTPParseEvent] = []
            while let event = try parser.next() { events.append(event) }
            #expect(try parser.next() == nil, "length \(length)")
            // What came out is the start of the full event list; the last body may be cut short.
            let seen = merged(events)
            #expect(seen.count <= valid.expected.count, "length \(length)")
            for (index, event) in seen.enumerated() where index < valid.expected.count {
                if case .body(let partial) = event, case .body(let full) = valid.expected[index] {
                    #expect(full.starts(with: partial), "length \(length)")
                } else {
                    #expect(event == valid.expected[index], "length \(length)")
                }
            }
        }
    }

    // MARK: - Malformed requests

    struct MalformedCase: Sendable, CustomTestStringConvertible {
        let name: String
        let raw: [UInt8]
        let status: Int
        var testDescription: String { name }

        init(_ name: String, _ raw: String, _ status: Int) {
            self.name = name
            self.raw = bytes(raw)
            self.status = status
        }
    }

    static let malformedCases: [MalformedCase] = [
        // Request line.
        MalformedCase("empty request line after CR LF CR", "\r\n\rX", 400),
        MalformedCase("missing space after method", "GET/ HTTP/1.1\r\n\r\n", 400),
        MalformedCase("missing target", "GET\r\n\r\n", 400),
        MalformedCase("missing version", "GET /\r\n\r\n", 400),
        MalformedCase("empty target", "GET  HTTP/1.1\r\n\r\n", 400),
        MalformedCase("extra space before target", "GET  / HTTP/1.1\r\n\r\n", 400),
        MalformedCase("extra space before version", "GET /  HTTP/1.1\r\n\r\n", 400),
        MalformedCase("trailing space after version", "GET / HTTP/1.1 \r\n\r\n", 400),
        MalformedCase("extra part after version", "GET / HTTP/1.1 extra\r\n\r\n", 400),
        MalformedCase("leading space", " GET / HTTP/1.1\r\n\r\n", 400),
        MalformedCase("tab as separator", "GET\t/ HTTP/1.1\r\n\r\n", 400),
        MalformedCase("non-token method", "G@T / HTTP/1.1\r\n\r\n", 400),
        MalformedCase("target without slash", "GET api HTTP/1.1\r\n\r\n", 400),
        MalformedCase("absolute-form target", "GET http://gateway/ HTTP/1.1\r\n\r\n", 400),
        MalformedCase("asterisk without OPTIONS", "GET * HTTP/1.1\r\n\r\n", 400),
        MalformedCase("asterisk with lower-case options", "options * HTTP/1.1\r\n\r\n", 400),
        MalformedCase("control byte in target", "GET /a\u{01}b HTTP/1.1\r\n\r\n", 400),
        MalformedCase("DEL in target", "GET /a\u{7F} HTTP/1.1\r\n\r\n", 400),
        MalformedCase("non-ASCII target", "GET /café HTTP/1.1\r\n\r\n", 400),
        MalformedCase("lower-case protocol name", "GET / http/1.1\r\n\r\n", 400),
        MalformedCase("version without minor", "GET / HTTP/1\r\n\r\n", 400),
        MalformedCase("two-digit minor version", "GET / HTTP/1.10\r\n\r\n", 400),
        MalformedCase("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505),
        MalformedCase("HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505),
        MalformedCase("HTTP/1.2", "GET / HTTP/1.2\r\n\r\n", 505),
        // Line endings.
        MalformedCase("bare LF line endings", "GET / HTTP/1.1\nHost: x\n\n", 400),
        MalformedCase("bare LF ending a header", "GET / HTTP/1.1\r\nHost: x\n\r\n", 400),
        MalformedCase("bare CR in a header value", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 400),
        MalformedCase("bare LF in the preamble", "\nGET / HTTP/1.1\r\n\r\n", 400),
        // Header lines.
        MalformedCase("obs-fold continuation line", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400),
        MalformedCase("tab-folded continuation line", "GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", 400),
        MalformedCase("first header line starts with space", "GET / HTTP/1.1\r\n X: a\r\n\r\n", 400),
        MalformedCase("header without colon", "GET / HTTP/1.1\r\nX-Missing value\r\n\r\n", 400),
        MalformedCase("whitespace between name and colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        MalformedCase("tab between name and colon", "GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", 400),
        MalformedCase("space inside name", "GET / HTTP/1.1\r\nX Y: x\r\n\r\n", 400),
        MalformedCase("non-token name byte", "GET / HTTP/1.1\r\nX(Y): x\r\n\r\n", 400),
        MalformedCase("empty name", "GET / HTTP/1.1\r\n: x\r\n\r\n", 400),
        MalformedCase("NUL in value", "GET / HTTP/1.1\r\nX: a\u{0}b\r\n\r\n", 400),
        MalformedCase("escape in value", "GET / HTTP/1.1\r\nX: a\u{1B}b\r\n\r\n", 400),
        MalformedCase("DEL in value", "GET / HTTP/1.1\r\nX: a\u{7F}\r\n\r\n", 400),
        // Framing.
        MalformedCase(
            "Content-Length and Transfer-Encoding",
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        MalformedCase(
            "Transfer-Encoding and Content-Length",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400),
        MalformedCase(
            "differing Content-Length fields", "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
        MalformedCase("differing Content-Length list", "POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", 400),
        MalformedCase("non-digit Content-Length", "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
        MalformedCase("negative Content-Length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        MalformedCase("plus-signed Content-Length", "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n", 400),
        MalformedCase("hex Content-Length", "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400),
        MalformedCase("empty Content-Length", "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400),
        MalformedCase("Content-Length with inner space", "POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", 400),
        MalformedCase("Content-Length with empty list element", "POST / HTTP/1.1\r\nContent-Length: 1,,1\r\n\r\n", 400),
        MalformedCase(
            "overflowing Content-Length", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        MalformedCase("gzip Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        MalformedCase("gzip then chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        MalformedCase("chunked then gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 501),
        MalformedCase("identity Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", 501),
        MalformedCase("empty Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", 501),
        MalformedCase(
            "two Transfer-Encoding fields",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            501),
        // Chunks.
        MalformedCase("non-hex chunk size", chunkedHead + "xyz\r\n", 400),
        MalformedCase("empty chunk-size line", chunkedHead + "\r\n", 400),
        MalformedCase("negative chunk size", chunkedHead + "-1\r\n", 400),
        MalformedCase("0x-prefixed chunk size", chunkedHead + "0x5\r\n", 400),
        MalformedCase("junk after chunk size", chunkedHead + "5 junk\r\nhello\r\n0\r\n\r\n", 400),
        MalformedCase("overflowing chunk size", chunkedHead + "10000000000000000\r\n", 400),
        MalformedCase("chunk-size line with bare LF", chunkedHead + "5\nhello\r\n0\r\n\r\n", 400),
        MalformedCase("chunk-size line with bare CR", chunkedHead + "5\rhello\r\n0\r\n\r\n", 400),
        MalformedCase("control byte in chunk extension", chunkedHead + "5;a\u{1}\r\nhello\r\n0\r\n\r\n", 400),
        MalformedCase("chunk data longer than its size", chunkedHead + "5\r\nhelloXX\r\n0\r\n\r\n", 400),
        MalformedCase("chunk data followed by LF only", chunkedHead + "5\r\nhello\n0\r\n\r\n", 400),
        MalformedCase("chunk data followed by CR and junk", chunkedHead + "5\r\nhello\rX0\r\n\r\n", 400),
        MalformedCase(
            "chunk-size line over its limit", chunkedHead + "5;" + String(repeating: "e", count: 300) + "\r\n", 400),
        MalformedCase("malformed trailer", chunkedHead + "0\r\nbad trailer\r\n\r\n", 400),
        MalformedCase("folded trailer", chunkedHead + "0\r\nX: a\r\n b\r\n\r\n", 400),
        MalformedCase("bare LF ending the trailers", chunkedHead + "0\r\n\n", 400),
        // Limits with the standard values.
        MalformedCase("head over 16 KiB", "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 16 * 1024), 431),
        MalformedCase(
            "101 header fields",
            "GET / HTTP/1.1\r\n" + String(repeating: "X: y\r\n", count: 101) + "\r\n", 431),
        MalformedCase("Content-Length over 1 MiB", "POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", 413),
        MalformedCase("chunk over 1 MiB", chunkedHead + "100001\r\n", 413),
    ]

    @Test(arguments: HTTPRequestParserTests.malformedCases)
    func rejectsMalformedRequestWithStatus(_ malformed: MalformedCase) {
        let whole = parseError([malformed.raw])
        #expect(whole?.status == malformed.status, "\(String(describing: whole))")
        #expect(parseError(malformed.raw.map { [$0] }) == whole, "byte by byte")
    }

    @Test(arguments: [0x00, 0x01, 0x0A, 0x0D, 0x1F, 0x7F] as [UInt8])
    func rejectsControlByteAtEveryPositionOfAHeaderValue(_ control: UInt8) {
        let prefix = bytes("GET / HTTP/1.1\r\nX-Long: ")
        let value = bytes("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ")
        for position in value.indices {
            var corrupted = value
            corrupted[position] = control
            let raw = prefix + corrupted + bytes("\r\nHost: x\r\n\r\n")
            #expect(parseError([raw])?.status == 400, "byte \(control) at \(position)")
        }
    }

    /// SplitMix64: a small seeded generator, so a failing run can be replayed from its seed.
    private struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func survivesRandomCorruptionOfValidRequests(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        let interesting: [UInt8] = bytes("\r\n \t:;,?*/0aF-") + [0x00, 0x7F, 0x80, 0xFF]
        for _ in 0..<2000 {
            var raw = Self.validCases.randomElement(using: &random)!.raw  // `!`: the table is not empty
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<raw.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: raw[position] = interesting.randomElement(using: &random)!
                case 1: raw.remove(at: position)
                default: raw.insert(interesting.randomElement(using: &random)!, at: position)
                }
            }
            let cut = Int.random(in: 0...raw.count, using: &random)
            // Whatever the bytes, the parser answers with events, nil or an error; split or whole, the same.
            let whole = Result { () throws(HTTPParseError) in try parse([raw]) }
            let split = Result { () throws(HTTPParseError) in try parse([Array(raw[..<cut]), Array(raw[cut...])]) }
            #expect(whole == split, "seed \(seed), input \(raw), cut \(cut)")
        }
    }

    @Test func parserStaysFailedAfterAnError() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("GET / HTTP/9.9\r\n\r\n"))
        #expect(throws: HTTPParseError.unsupportedVersion("HTTP/9.9")) { try parser.next() }
        parser.append(bytes("GET / HTTP/1.1\r\n\r\n"))
        #expect(throws: HTTPParseError.unsupportedVersion("HTTP/9.9")) { try parser.next() }
    }

    @Test func rejectionsCarryTheirFacts() {
        let cases: [(String, HTTPParseError)] = [
            ("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", .conflictingContentLengths(5, 6)),
            ("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", .invalidContentLength("-1")),
            (
                "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
                .unsupportedTransferEncoding("gzip, chunked")
            ),
            ("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", .conflictingFraming),
            ("GET / HTTP/1.1\nHost: x\n\n", .invalidLineEnding(offset: 14)),
        ]
        for (raw, expected) in cases {
            #expect(parseError([bytes(raw)]) == expected, "\(raw)")
        }
    }

    // MARK: - Limits

    /// A head of exactly `length` bytes, padded in one header value.
    private func headOfLength(_ length: Int) -> [UInt8] {
        let fixed = "GET / HTTP/1.1\r\nX-Pad: " + "\r\n\r\n"
        return bytes(
            "GET / HTTP/1.1\r\nX-Pad: " + String(repeating: "p", count: length - fixed.utf8.count) + "\r\n\r\n")
    }

    @Test(arguments: [64, 1000, 16 * 1024])
    func acceptsHeadExactlyAtHeaderByteLimit(_ limit: Int) throws {
        let raw = headOfLength(limit)
        #expect(raw.count == limit)
        let events = try parse([raw], limits: limits(headerBytes: limit))
        #expect(events.count == 2)
        #expect(try parse(raw.map { [$0] }, limits: limits(headerBytes: limit)).count == 2)
    }

    @Test(arguments: [64, 1000, 16 * 1024])
    func rejectsHeadOneByteOverHeaderByteLimit(_ limit: Int) {
        let raw = headOfLength(limit + 1)
        #expect(parseError([raw], limits: limits(headerBytes: limit)) == .headersTooLarge(limit: limit))
    }

    @Test(arguments: [64, 1000, 16 * 1024])
    func rejectsOversizedHeadBeforeItsTerminatorArrives(_ limit: Int) throws {
        let endless = bytes("GET / HTTP/1.1\r\nX-Pad: ") + [UInt8](repeating: UInt8(ascii: "p"), count: limit)
        var parser = HTTPRequestParser(limits: limits(headerBytes: limit))
        parser.append(endless[..<(limit - 1)])
        #expect(try parser.next() == nil)
        parser.append(endless[(limit - 1)..<limit])
        #expect(throws: HTTPParseError.headersTooLarge(limit: limit)) { try parser.next() }
    }

    @Test func rejectsHeadWhoseFinalLineFeedLiesPastTheLimit() throws {
        let raw = headOfLength(65)
        var parser = HTTPRequestParser(limits: limits(headerBytes: 64))
        parser.append(raw.dropLast())  // ends in CR at the last byte the limit allows
        #expect(throws: HTTPParseError.headersTooLarge(limit: 64)) { try parser.next() }
    }

    @Test func countsEmptyLinesBeforeRequestLineAgainstHeaderBytes() {
        let raw = bytes(String(repeating: "\r\n", count: 40) + "GET / HTTP/1.1\r\n\r\n")
        #expect(parseError([raw], limits: limits(headerBytes: 64)) == .headersTooLarge(limit: 64))
        #expect(parseError(raw.map { [$0] }, limits: limits(headerBytes: 64)) == .headersTooLarge(limit: 64))
        #expect(parseError([raw], limits: limits(headerBytes: 100)) == nil)
    }

    @Test func acceptsHeaderCountAtLimitAndRejectsOneMore() throws {
        let three = bytes("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")
        let four = bytes("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n")
        #expect(try parse([three], limits: limits(headerCount: 3)).count == 2)
        #expect(parseError([four], limits: limits(headerCount: 3)) == .tooManyHeaders(limit: 3))
    }

    @Test func holdsTrailersToTheHeaderLimits() throws {
        let trailers = bytes(chunkedHead + "0\r\nA: 1\r\nB: 2\r\n\r\n")
        #expect(try parse([trailers], limits: limits(headerCount: 2)).count == 2)
        #expect(parseError([trailers], limits: limits(headerCount: 1)) == .tooManyHeaders(limit: 1))
        let long = bytes(chunkedHead + "0\r\nX: " + String(repeating: "t", count: 100) + "\r\n\r\n")
        #expect(parseError([long], limits: limits(headerBytes: 100)) == .headersTooLarge(limit: 100))
    }

    @Test func rejectsContentLengthOverBodyLimitAtTheHead() throws {
        var parser = HTTPRequestParser(limits: limits(bodyBytes: 10))
        parser.append(bytes("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n"))
        #expect(throws: HTTPParseError.bodyTooLarge(length: 11, limit: 10)) { try parser.next() }
        #expect(
            try parse([bytes("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789")], limits: limits(bodyBytes: 10))
                .count == 3)
    }

    @Test func rejectsChunkedBodyOnceItsTotalPassesBodyLimit() throws {
        var parser = HTTPRequestParser(limits: limits(bodyBytes: 10))
        parser.append(bytes(chunkedHead + "6\r\nabcdef\r\n4\r\nghij\r\n1\r\nk\r\n0\r\n\r\n"))
        #expect(try parser.next() != nil)
        #expect(try parser.next() == .body(bytes("abcdef")))
        #expect(try parser.next() == .body(bytes("ghij")))
        #expect(throws: HTTPParseError.bodyTooLarge(length: 11, limit: 10)) { try parser.next() }
    }

    @Test func honoursPerRequestBodyLimit() throws {
        let bodyLimit: @Sendable (HTTPRequestHead) -> Int = { $0.path == "/import" ? 100 : 10 }
        let request = { (path: String) in
            bytes("POST \(path) HTTP/1.1\r\nContent-Length: 50\r\n\r\n") + [UInt8](repeating: 7, count: 50)
        }

        var importing = HTTPRequestParser(bodyLimit: bodyLimit)
        #expect(try drain([request("/import")], into: &importing).count == 3)

        var other = HTTPRequestParser(bodyLimit: bodyLimit)
        #expect(throws: HTTPParseError.bodyTooLarge(length: 50, limit: 10)) {
            try drain([request("/contacts")], into: &other)
        }

        var chunked = HTTPRequestParser(bodyLimit: bodyLimit)
        let chunkedRequest = bytes("POST /contacts HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nB\r\n")
        #expect(throws: HTTPParseError.bodyTooLarge(length: 11, limit: 10)) {
            try drain([chunkedRequest], into: &chunked)
        }
    }

    @Test func defaultsBodyLimitToTheGivenLimits() throws {
        #expect(
            parseError([bytes("POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\n")], limits: limits(bodyBytes: 5))
                == .bodyTooLarge(length: 6, limit: 5))
        #expect(parseError([bytes("POST / HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n")]) == nil)
    }

    // MARK: - Streaming and buffering

    @Test func emitsBodyPiecesAsTheyArrive() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n012"))
        #expect(try parser.next() != nil)
        #expect(try parser.next() == .body(bytes("012")))
        #expect(try parser.next() == nil)
        parser.append(bytes("3456789GET"))
        #expect(try parser.next() == .body(bytes("3456789")))
        #expect(try parser.next() == .end)
        #expect(try parser.next() == nil)
        #expect(parser.bufferedByteCount == 3)
    }

    @Test(arguments: [false, true])
    func streamsLargeBodyThroughBoundedBuffer(chunked: Bool) throws {
        let bodySize = 8 << 20
        let readSize = 64 * 1024
        var parser = HTTPRequestParser(bodyLimit: { _ in 16 << 20 })
        var stream = bytes(
            "POST /import HTTP/1.1\r\n" + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: \(bodySize)")
                + "\r\n\r\n")
        var body = [UInt8]()
        for index in 0..<bodySize { body.append(UInt8(truncatingIfNeeded: index &* 31)) }
        if chunked {
            var offset = 0
            while offset < bodySize {
                let size = min(5000, bodySize - offset)
                stream += bytes(String(size, radix: 16) + ";n=1\r\n") + body[offset..<offset + size] + bytes("\r\n")
                offset += size
            }
            stream += bytes("0\r\nX-Done: 1\r\n\r\n")
        } else {
            stream += body
        }

        var received = [UInt8]()
        received.reserveCapacity(bodySize)
        var ends = 0
        var offset = 0
        while offset < stream.count {
            let end = min(offset + readSize, stream.count)
            parser.append(stream[offset..<end])
            offset = end
            while let event = try parser.next() {
                switch event {
                case .body(let piece): received += piece
                case .end: ends += 1
                case .head: break
                }
            }
            #expect(parser.buffer.count <= 2 * readSize)
        }
        #expect(ends == 1)
        #expect(received == body)
    }

    @Test func dropsConsumedBytesAcrossManyPipelinedRequests() throws {
        let request = bytes("POST /jobs?limit=5 HTTP/1.1\r\nHost: gateway\r\nContent-Length: 4\r\n\r\nbody")
        let stream = Array([[UInt8]](repeating: request, count: 5000).joined())
        var parser = HTTPRequestParser()
        var ends = 0
        var largestBuffer = 0
        for start in stride(from: 0, to: stream.count, by: 1000) {
            parser.append(stream[start..<min(start + 1000, stream.count)])
            while let event = try parser.next() { if event == .end { ends += 1 } }
            largestBuffer = max(largestBuffer, parser.buffer.count)
        }
        #expect(ends == 5000)
        #expect(largestBuffer < 2 * 4096 + 1000)
    }

    // MARK: - Values

    @Test func looksUpHeadersRegardlessOfCase() {
        let headers: HTTPHeaders = ["Content-Type": "text/plain", "X-Tag": "a", "x-tag": "b"]
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["X-TAG"] == "a")
        #expect(headers.values(for: "x-Tag") == ["a", "b"])
        #expect(headers["missing"] == nil)
        #expect(headers.count == 3)
        #expect(headers.map(\.name) == ["Content-Type", "X-Tag", "x-tag"])
    }

    @Test(arguments: [
        (HTTPParseError.malformedRequestLine(reason: "r"), 400), (.invalidLineEnding(offset: 1), 400),
        (.malformedHeader(reason: "r"), 400), (.invalidContentLength("x"), 400),
        (.conflictingContentLengths(1, 2), 400),
        (.conflictingFraming, 400), (.malformedChunk(reason: "r"), 400), (.bodyTooLarge(length: 2, limit: 1), 413),
        (.headersTooLarge(limit: 16384), 431), (.tooManyHeaders(limit: 100), 431),
        (.unsupportedTransferEncoding("gzip"), 501), (.unsupportedVersion("HTTP/2.0"), 505),
    ])
    func mapsEachErrorToItsStatusAndAMessage(_ error: HTTPParseError, _ status: Int) {
        #expect(error.status == status)
        #expect(error.message.hasSuffix("."))
        #expect(error.description.contains(String(status)))
    }

    @Test func explainsHeaderLimitInItsMessage() {
        #expect(
            HTTPParseError.headersTooLarge(limit: 16384).message
                == "Request headers exceed 16384 bytes; send fewer or smaller headers.")
        #expect(HTTPParseError.bodyTooLarge(length: 2_000_000, limit: 1_048_576).message.contains("1048576"))
    }
}
