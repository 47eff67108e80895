/// Reads what `WireWriter` wrote, checking every length against the bytes
/// that remain before it allocates or copies anything.
///
/// A declared length larger than what is left throws; nothing is ever sized by
/// a number the peer sent without that check.
package struct WireReader: Sendable {
    private let bytes: [UInt8]
    private var index: Int
    private let end: Int

    package init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.index = start
        self.end = end ?? bytes.count
    }

    package var remaining: Int { end - index }

    /// Where the next read starts, in the bytes given to `init`.
    package var offset: Int { index }

    package mutating func readUInt8(_ field: String) throws(WireError) -> UInt8 {
        try need(1, field)
        defer { index += 1 }
        return bytes[index]
    }

    package mutating func readBool(_ field: String) throws(WireError) -> Bool {
        switch try readUInt8(field) {
        case 0: return false
        case 1: return true
        case let other: throw .invalidValue(field: field, value: Int64(other))
        }
    }

    package mutating func readUInt16(_ field: String) throws(WireError) -> UInt16 { try readBigEndian(field) }

    package mutating func readUInt32(_ field: String) throws(WireError) -> UInt32 { try readBigEndian(field) }

    package mutating func readUInt64(_ field: String) throws(WireError) -> UInt64 { try readBigEndian(field) }

    package mutating func readInt32(_ field: String) throws(WireError) -> Int32 {
        Int32(bitPattern: try readBigEndian(field) as UInt32)
    }

    package mutating func readInt64(_ field: String) throws(WireError) -> Int64 {
        Int64(bitPattern: try readBigEndian(field) as UInt64)
    }

    /// A finite double: every one on the wire is a measured quantity, and NaN or an infinity
    /// would print as JSON that is not JSON (found by `scripts/fuzz frame`).
    package mutating func readDouble(_ field: String) throws(WireError) -> Double {
        let value = Double(bitPattern: try readBigEndian(field) as UInt64)
        guard value.isFinite else { throw .notFinite(field: field) }
        return value
    }

    package mutating func readString(_ field: String) throws(WireError) -> String {
        let count = try readLength(field, elementSize: 1)
        defer { index += count }
        guard let string = String(checkingUTF8: bytes[index..<index + count]) else {
            throw .invalidUTF8(field: field)
        }
        return string
    }

    package mutating func readBytes(_ field: String) throws(WireError) -> [UInt8] {
        let count = try readLength(field, elementSize: 1)
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    /// A `UInt32` byte count, then a reader of just those bytes; this reader goes on after them.
    package mutating func readSection(_ field: String) throws(WireError) -> WireReader {
        let count = try readLength(field, elementSize: 1)
        defer { index += count }
        return WireReader(bytes, from: index, to: index + count)
    }

    package mutating func readOptional<T>(
        _ field: String, _ readValue: (inout WireReader) throws(WireError) -> T
    ) throws(WireError) -> T? {
        try readBool(field) ? try readValue(&self) : nil
    }

    /// Reads a count, then that many elements. `minimumElementSize` bounds the
    /// count by the bytes left, so a forged count cannot reserve memory.
    package mutating func readArray<T>(
        _ field: String, minimumElementSize: Int = 1, _ readElement: (inout WireReader) throws(WireError) -> T
    ) throws(WireError) -> [T] {
        let count = try readLength(field, elementSize: minimumElementSize)
        var elements: [T] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try readElement(&self)) }
        return elements
    }

    package mutating func read<T: WireCodable>(_: T.Type = T.self) throws(WireError) -> T {
        try T(from: &self)
    }

    package mutating func readArray<T: WireCodable>(_ field: String, of _: T.Type = T.self) throws(WireError) -> [T] {
        try readArray(field) { reader throws(WireError) in try T(from: &reader) }
    }

    /// Throws unless every byte was consumed: a frame with junk after its message is refused.
    package func expectEnd() throws(WireError) {
        if remaining != 0 { throw .trailingBytes(count: remaining) }
    }

    private mutating func readLength(_ field: String, elementSize: Int) throws(WireError) -> Int {
        let count = Int(try readUInt32(field))
        guard count <= remaining / max(elementSize, 1) else {
            throw .lengthExceedsRemaining(field: field, length: count, remaining: remaining)
        }
        return count
    }

    private mutating func need(_ count: Int, _ field: String) throws(WireError) {
        if remaining < count { throw .truncated(field: field, needed: count, remaining: remaining) }
    }

    private mutating func readBigEndian<T: FixedWidthInteger>(_ field: String) throws(WireError) -> T {
        let size = MemoryLayout<T>.size
        try need(size, field)
        var value: T = 0
        for offset in 0..<size { value = value << 8 | T(bytes[index + offset]) }
        index += size
        return value
    }
}
