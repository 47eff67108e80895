/// The header fields of one request in arrival order, looked up by name regardless of ASCII case.
struct HTTPHeaders: Sendable, Equatable {
    /// One field line: the name as sent, the value with surrounding spaces and tabs trimmed.
    struct Field: Sendable, Equatable {
        var name: String
        var value: String
    }

    private(set) var fields: [Field] = []

    init() {}

    /// Room for `minimumCapacity` fields, so parsing a head allocates the field array once.
    init(minimumCapacity: Int) { fields.reserveCapacity(minimumCapacity) }

    /// Appends a field; a repeated name stays a separate field, in arrival order.
    mutating func append(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// The first value of the field called `name` (any case), or nil when there is none.
    subscript(name: String) -> String? {
        fields.first { Self.namesMatch($0.name, name) }?.value
    }

    /// Every value of the field called `name` (any case), in arrival order.
    func values(for name: String) -> [String] {
        fields.filter { Self.namesMatch($0.name, name) }.map(\.value)
    }

    /// Field names are tokens, so ASCII case folding is all the comparison RFC 9110 asks for.
    static func namesMatch(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count
            && a.utf8.elementsEqual(b.utf8) { HTTPGrammar.lowercased($0) == HTTPGrammar.lowercased($1) }
    }
}

extension HTTPHeaders: RandomAccessCollection {
    var startIndex: Int { fields.startIndex }
    var endIndex: Int { fields.endIndex }
    subscript(position: Int) -> Field { fields[position] }
}

extension HTTPHeaders: ExpressibleByDictionaryLiteral {
    /// Keeps the literal's order and its repeated names.
    init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { Field(name: $0.0, value: $0.1) }
    }
}

// MARK: - Field-line grammar

/// Where the name and the trimmed value of one validated field line lie, and where its CRLF starts.
struct FieldLine {
    var name: Range<Int>
    var value: Range<Int>
    var end: Int
}

extension HTTPHeaders {
    /// Validates the line at `start` as `field-name ":" OWS field-value OWS CRLF` (RFC 9112 §5).
    ///
    /// The caller guarantees a CR ends the line (the section scanner has seen it), so no byte past
    /// that CR is read. Throws `.malformedHeader` for obs-fold (a line starting with whitespace), a
    /// missing colon, whitespace before the colon, non-token name bytes, or control bytes other than
    /// HTAB in the value.
    static func parseFieldLine(_ p: UnsafeBufferPointer<UInt8>, from start: Int) throws(HTTPParseError) -> FieldLine {
        var i = start
        if HTTPGrammar.isWhitespace(p[i]) {
            throw .malformedHeader(reason: "a line starts with whitespace (obsolete line folding is not accepted)")
        }
        while HTTPGrammar.isToken(p[i]) { i += 1 }
        let name = start..<i
        if p[i] != HTTPGrammar.colon {
            var end = i
            while p[end] != HTTPGrammar.cr { end += 1 }
            let line = UnsafeBufferPointer(rebasing: p[i..<end])
            if !line.contains(HTTPGrammar.colon) {
                throw .malformedHeader(reason: "\"\(HTTPGrammar.excerpt(p, start..<end))\" has no colon")
            }
            let shown = HTTPGrammar.excerpt(p, name)
            if HTTPGrammar.isWhitespace(p[i]) {
                throw .malformedHeader(reason: "whitespace between name \"\(shown)\" and the colon")
            }
            throw .malformedHeader(reason: "name \"\(shown)\" is followed by byte \(HTTPGrammar.hex(p[i]))")
        }
        guard !name.isEmpty else { throw .malformedHeader(reason: "a line has an empty name") }
        i += 1
        while HTTPGrammar.isWhitespace(p[i]) { i += 1 }
        let valueStart = i
        var valueEnd = i  // just past the last byte that is not whitespace
        while true {
            let b = p[i]
            if b > HTTPGrammar.space && b != 0x7F {  // visible ASCII or obs-text
                i += 1
                valueEnd = i
            } else if HTTPGrammar.isWhitespace(b) {
                i += 1
            } else if b == HTTPGrammar.cr {
                return FieldLine(name: name, value: valueStart..<valueEnd, end: i)
            } else {
                throw .malformedHeader(
                    reason: "value of \"\(HTTPGrammar.excerpt(p, name))\" contains control byte \(HTTPGrammar.hex(b))")
            }
        }
    }
}

/// Byte classes of RFC 9110 and 9112 shared by the request-line, field-line and chunk parsers.
enum HTTPGrammar {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// `tchar`: the bytes of methods and field names.
    @inline(__always)
    static func isToken(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab }

    /// HTAB, visible ASCII, space and obs-text (0x80–0xFF); every other control byte and DEL are refused.
    /// (Field-line parsing inlines the same test.)
    @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool { b == tab || (b >= space && b != 0x7F) }

    @inline(__always)
    static func lowercased(_ b: UInt8) -> UInt8 { b &- UInt8(ascii: "A") < 26 ? b | 0x20 : b }

    /// Whether the bytes in `range` equal `lowercase` (an all-lowercase ASCII literal) regardless of case.
    static func equalsIgnoringCase(
        _ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ lowercase: StaticString
    ) -> Bool {
        guard range.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { literal in
            var j = range.lowerBound
            for expected in literal {
                if lowercased(p[j]) != expected { return false }
                j += 1
            }
            return true
        }
    }

    /// Whether the bytes in `range` equal `literal` exactly.
    static func equals(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        range.count == literal.utf8CodeUnitCount
            && literal.withUTF8Buffer { UnsafeBufferPointer(rebasing: p[range]).elementsEqual($0) }
    }

    /// The bytes in `range` as text for an error message, cut to 64 bytes.
    static func excerpt(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        let shown = range.lowerBound..<min(range.upperBound, range.lowerBound + 64)
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[shown]), as: UTF8.self)
        return shown.count < range.count ? text + "…" : text
    }

    static func hex(_ b: UInt8) -> String {
        let digits = String(b, radix: 16, uppercase: true)
        return b < 16 ? "0x0" + digits : "0x" + digits
    }

    /// Splits `range` at commas and calls `body` with each element trimmed of OWS (RFC 9110 §5.6.1 lists).
    static func forEachListElement<E: Error>(
        _ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (Range<Int>) throws(E) -> Void
    ) throws(E) {
        var start = range.lowerBound
        while start <= range.upperBound {
            var stop = start
            while stop < range.upperBound && p[stop] != UInt8(ascii: ",") { stop += 1 }
            var lower = start
            var upper = stop
            while lower < upper && isWhitespace(p[lower]) { lower += 1 }
            while upper > lower && isWhitespace(p[upper - 1]) { upper -= 1 }
            try body(lower..<upper)
            start = stop + 1
        }
    }
}
