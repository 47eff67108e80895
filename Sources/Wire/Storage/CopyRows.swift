/// Rows in the text format of PostgreSQL's `COPY ... FROM STDIN`: fields
/// separated by tabs, rows by newlines, `\N` for NULL, and backslash, tab,
/// newline and carriage return escaped.
package struct CopyRows {
    package private(set) var bytes: [UInt8] = []
    private var fieldsInRow = 0

    package init() {}

    package mutating func add(_ text: String?) {
        separate()
        guard let text else { return bytes += Self.null }
        for byte in text.utf8 { append(escaping: byte) }
    }

    package mutating func add(_ number: Int64?) {
        separate()
        guard let number else { return bytes += Self.null }
        bytes += Array(String(number).utf8)
    }

    /// A `text[]` field: the array literal, escaped again as a field.
    package mutating func add(array texts: [String]) {
        separate()
        var literal: [UInt8] = []
        PostgresArrayLiteral.append(texts, to: &literal)
        for byte in literal { append(escaping: byte) }
    }

    /// A `bytea` field in its hex form: `\x` and two digits a byte, its backslash doubled as in any field.
    package mutating func add(bytes value: [UInt8]) {
        separate()
        bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")]
        for byte in value {
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0x0F)])
        }
    }

    package mutating func endRow() {
        bytes.append(UInt8(ascii: "\n"))
        fieldsInRow = 0
    }

    private static let null = [UInt8(ascii: "\\"), UInt8(ascii: "N")]
    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func separate() {
        if fieldsInRow > 0 { bytes.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }

    private mutating func append(escaping byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        default: bytes.append(byte)
        }
    }
}
