import Wire

/// A pull parser over one JSON text (RFC 8259) that reads values straight
/// into the caller's fields: no `Any`, no dictionaries, no bridging.
///
/// Used for import lines, where `JSONSerialization` spent most of the
/// gateway's time boxing values and casting them back. Methods that read a
/// particular kind return nil, consuming nothing, when the next value is of
/// another kind, so the caller can name the field in its error.
struct JSONReader {
    enum Failure: Error, Equatable {
        case syntax(offset: Int)
        case tooDeep
    }

    enum Kind: Equatable {
        case object, array, string, number, bool, null
    }

    /// Nesting deeper than this is refused, so a line of `[[[[…` cannot exhaust the stack.
    static let maxDepth = 64

    private let bytes: ArraySlice<UInt8>
    private var index: Int
    private var depth = 0

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    /// The kind of the next value, after skipping whitespace; nil at the end or before a stray byte.
    mutating func peek() -> Kind? {
        skipWhitespace()
        guard index < bytes.endIndex else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: return nil
        }
    }

    /// Reads an object, calling `field` with each key's UTF-8 bytes; `field` must consume that key's value.
    mutating func readObject(_ field: (inout JSONReader, ArraySlice<UInt8>) throws -> Void) throws {
        try enter(UInt8(ascii: "{"))
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return leave() }
        repeat {
            skipWhitespace()
            guard let key = try readStringBytes() else { throw Failure.syntax(offset: offset) }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw Failure.syntax(offset: offset) }
            try field(&self, key)
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")) else { throw Failure.syntax(offset: offset) }
        leave()
    }

    /// Reads an array, calling `element` once per element; `element` must consume it.
    mutating func readArray(_ element: (inout JSONReader) throws -> Void) throws {
        try enter(UInt8(ascii: "["))
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return leave() }
        repeat {
            try element(&self)
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "]")) else { throw Failure.syntax(offset: offset) }
        leave()
    }

    /// The next string, or nil (consuming nothing) when the next value is not a string.
    mutating func readString() throws -> String? {
        try readStringBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The next string's UTF-8 bytes (checked, escapes decoded), or nil (consuming nothing) when the
    /// next value is not a string. Without escapes they are a slice of the text: nothing is copied.
    mutating func readStringBytes() throws -> ArraySlice<UInt8>? {
        guard peek() == .string else { return nil }
        index += 1
        let start = index
        // Fast path: no escapes; the bytes are the string.
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return try checkedUTF8(bytes[start..<index])
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw Failure.syntax(offset: offset) }
            index += 1
        }
        var decoded = Array(bytes[start..<index])
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return try checkedUTF8(decoded[...])
            case UInt8(ascii: "\\"): try readEscape(into: &decoded)
            case ..<0x20: throw Failure.syntax(offset: offset - 1)
            default: decoded.append(byte)
            }
        }
        throw Failure.syntax(offset: offset)
    }

    /// Consumes `null` when it comes next.
    mutating func readNull() -> Bool {
        guard peek() == .null else { return false }
        return consumeLiteral("null")
    }

    /// The next boolean, or nil (consuming nothing) when the next value is not one.
    mutating func readBool() -> Bool? {
        guard peek() == .bool else { return nil }
        if consumeLiteral("true") { return true }
        return consumeLiteral("false") ? false : nil
    }

    /// The next number's text as it is written (checked against RFC 8259's grammar),
    /// or nil (consuming nothing) when the next value is not a number.
    mutating func readNumberText() throws -> String? {
        guard peek() == .number else { return nil }
        let start = index
        try skipNumber()
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Skips one value of any kind, checking its syntax.
    mutating func skipValue() throws {
        switch peek() {
        case .object: try readObject { reader, _ in try reader.skipValue() }
        case .array: try readArray { reader in try reader.skipValue() }
        case .string: _ = try readString()
        case .number: try skipNumber()
        case .bool: guard readBool() != nil else { throw Failure.syntax(offset: offset) }
        case .null: guard consumeLiteral("null") else { throw Failure.syntax(offset: offset) }
        case nil: throw Failure.syntax(offset: offset)
        }
    }

    /// Throws unless only whitespace remains.
    mutating func expectEnd() throws {
        skipWhitespace()
        guard index == bytes.endIndex else { throw Failure.syntax(offset: offset) }
    }

    // MARK: - Pieces

    /// How many bytes have been read: where a syntax error was found.
    var offset: Int { index - bytes.startIndex }

    private mutating func skipWhitespace() {
        while index < bytes.endIndex {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.endIndex, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func consumeLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.endIndex - index >= count else { return false }
        let matches = literal.withUTF8Buffer { expected in
            expected.indices.allSatisfy { expected[$0] == bytes[index + $0] }
        }
        if matches { index += count }
        return matches
    }

    private mutating func enter(_ opening: UInt8) throws {
        guard consume(opening) else { throw Failure.syntax(offset: offset) }
        depth += 1
        guard depth <= Self.maxDepth else { throw Failure.tooDeep }
    }

    private mutating func leave() { depth -= 1 }

    private mutating func skipNumber() throws {
        // -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
        _ = consume(UInt8(ascii: "-"))
        if !consume(UInt8(ascii: "0")) {
            guard try skipDigits() > 0 else { throw Failure.syntax(offset: offset) }
        }
        if consume(UInt8(ascii: ".")) {
            guard try skipDigits() > 0 else { throw Failure.syntax(offset: offset) }
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            _ = consume(UInt8(ascii: "+")) || consume(UInt8(ascii: "-"))
            guard try skipDigits() > 0 else { throw Failure.syntax(offset: offset) }
        }
    }

    private mutating func skipDigits() throws -> Int {
        let start = index
        while index < bytes.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }

    private mutating func readEscape(into decoded: inout [UInt8]) throws {
        guard index < bytes.endIndex else { throw Failure.syntax(offset: offset) }
        let escaped = bytes[index]
        index += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escaped)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")) else { throw Failure.syntax(offset: offset) }
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw Failure.syntax(offset: offset) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw Failure.syntax(offset: offset) }
            decoded.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw Failure.syntax(offset: offset - 1)
        }
    }

    private mutating func readHex4() throws -> UInt32 {
        guard bytes.endIndex - index >= 4 else { throw Failure.syntax(offset: offset) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Failure.syntax(offset: offset)
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private func checkedUTF8(_ slice: ArraySlice<UInt8>) throws -> ArraySlice<UInt8> {
        guard String.isValidUTF8(slice) else { throw Failure.syntax(offset: offset) }
        return slice
    }
}
