/// Rows in the text format of PostgreSQL's `COPY ... FROM STDIN`: fields
/// separated by tabs, rows by newlines, `\N` for NULL, and backslash, tab,
/// newline and carriage return escaped.
///
/// An import writes every message body through here, so text goes in runs between the bytes
/// that need escaping and numbers are formatted in place, not byte by byte with a `String` for
/// every number (docs/benchmarks.md, "The import's own cost per line").
package struct CopyRows {
    package private(set) var bytes: [UInt8] = []
    private var fieldsInRow = 0

    package init() {}

    package mutating func add(_ text: String?) {
        separate()
        guard var text else { return appendNull() }
        text.withUTF8 { appendEscaping($0) }
    }

    package mutating func add(_ number: Int64?) {
        separate()
        guard let number else { return appendNull() }
        // 20 digits hold any magnitude of an Int64, and one more its sign.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { digits in
            var magnitude = number.magnitude
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if number < 0 {
                start -= 1
                digits[start] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// A `text[]` field: the array literal, escaped again as a field.
    package mutating func add(array texts: [String]) {
        separate()
        var literal: [UInt8] = []
        PostgresArrayLiteral.append(texts, to: &literal)
        literal.withUnsafeBufferPointer { appendEscaping($0) }
    }

    /// A `bytea` field in its hex form: `\x` and two digits a byte, its backslash doubled as in any field.
    package mutating func add(bytes value: [UInt8]) {
        separate()
        bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
        for byte in value {
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0x0F)])
        }
    }

    package mutating func endRow() {
        bytes.append(UInt8(ascii: "\n"))
        fieldsInRow = 0
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func separate() {
        if fieldsInRow > 0 { bytes.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }

    private mutating func appendNull() {
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(UInt8(ascii: "N"))
    }

    /// `text` with each byte that COPY reads specially as a backslash and its letter; the runs
    /// between them are copied whole.
    private mutating func appendEscaping(_ text: UnsafeBufferPointer<UInt8>) {
        var run = 0
        for index in text.indices {
            let escaped: UInt8
            switch text[index] {
            case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
            case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
            case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
            default: continue
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[run..<index]))
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(escaped)
            run = index + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[run...]))
    }
}
