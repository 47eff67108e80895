import WireRuntime

/// One JSON text (RFC 8259, UTF-8) as a small tree: how the gateway reads every
/// JSON request body and token payload, with one strict reader (`JSONReader`).
///
/// Strict where lenient parsers are not: no trailing commas, no byte order
/// mark, no UTF-16 or UTF-32, no duplicate keys (a filter that says two things
/// must not be read as either), nothing after the value. Numbers keep their text,
/// so a reader decides exactly what it accepts (`expectedCount` must be whole).
enum JSONValue: Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// Why a text is not one JSON value, in words the sender can act on.
    struct Failure: Error, Equatable {
        let message: String
    }

    /// The value `bytes` hold.
    static func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        let bytes = Array(bytes)
        if let encoding = foreignEncoding(bytes) { throw Failure(message: encoding) }
        var reader = JSONReader(bytes[...])
        do {
            // `peek` skips whitespace: at the end, the text held nothing else.
            guard reader.peek() != nil else {
                throw reader.offset == bytes.count
                    ? Failure(message: "it is empty")
                    : Failure(message: "unexpected \(excerpt(bytes, at: reader.offset)) at byte \(reader.offset)")
            }
            let value = try read(&reader)
            try reader.expectEnd()
            return value
        } catch let failure as Failure {
            throw failure
        } catch JSONReader.Failure.syntax(let at) {
            throw Failure(message: "unexpected \(excerpt(bytes, at: at)) at byte \(at) (no trailing commas, comments or single quotes)")
        } catch {
            throw Failure(message: "it nests deeper than \(JSONReader.maxDepth) levels")
        }
    }

    /// What the value is, for error messages: `a string ("x")`, `a number (3)`, `an array`, …
    var description: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string(let text): "a string (\(Self.quotedExcerpt(text)))"
        case .number(let text): "a number (\(text))"
        case .bool(let flag): "a boolean (\(flag))"
        case .null: "null"
        }
    }

    /// `text` as a JSON string literal, cut at 64 characters so an error message stays short.
    static func quotedExcerpt(_ text: String) -> String {
        let limit = 64
        return text.count <= limit ? JSONText.quoted(text) : JSONText.quoted(String(text.prefix(limit))) + "…"
    }

    // MARK: - Reading

    private static func read(_ reader: inout JSONReader) throws -> JSONValue {
        switch reader.peek() {
        case .object:
            var members: [String: JSONValue] = [:]
            try reader.readObject { reader, keyBytes in
                let key = String(decoding: keyBytes, as: UTF8.self)
                let value = try read(&reader)
                guard members.updateValue(value, forKey: key) == nil else {
                    throw Failure(message: "the key \(quotedExcerpt(key)) appears twice in one object; send it once")
                }
            }
            return .object(members)
        case .array:
            var elements: [JSONValue] = []
            try reader.readArray { reader in elements.append(try read(&reader)) }
            return .array(elements)
        case .string:
            return .string(try reader.readString() ?? "")
        case .number:
            return .number(try reader.readNumberText() ?? "")
        case .bool:
            guard let flag = reader.readBool() else { throw JSONReader.Failure.syntax(offset: reader.offset) }
            return .bool(flag)
        case .null:
            guard reader.readNull() else { throw JSONReader.Failure.syntax(offset: reader.offset) }
            return .null
        case nil:
            throw JSONReader.Failure.syntax(offset: reader.offset)
        }
    }

    /// A message when `bytes` are clearly not UTF-8 JSON: a byte order mark, or
    /// the NUL bytes of UTF-16/32 around the first ASCII character.
    private static func foreignEncoding(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return "it starts with a UTF-8 byte order mark; send UTF-8 without one" }
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) || bytes.prefix(4).contains(0) {
            return "it is UTF-16 or UTF-32; send UTF-8"
        }
        return nil
    }

    /// The byte at `offset` for an error message: a printable character quoted, else its hex, or "the end".
    private static func excerpt(_ bytes: [UInt8], at offset: Int) -> String {
        guard offset < bytes.count else { return "end of text" }
        let byte = bytes[offset]
        return (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }
}
