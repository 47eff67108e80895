/// Appends big-endian scalars and length-prefixed strings to a byte array.
///
/// The layout is hand-written rather than derived through `Codable`: a binary
/// `Encoder` costs an existential container and a key lookup per field, and it
/// hides the byte layout that the decoder must bound-check field by field.
/// Written out, every field's width and every length prefix is visible.
package struct WireWriter: Sendable {
    package private(set) var bytes: [UInt8]

    package init(reservingCapacity capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    package mutating func write(_ value: UInt8) { bytes.append(value) }

    package mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    package mutating func write(_ value: UInt16) { appendBigEndian(value) }

    package mutating func write(_ value: UInt32) { appendBigEndian(value) }

    package mutating func write(_ value: UInt64) { appendBigEndian(value) }

    package mutating func write(_ value: Int32) { appendBigEndian(UInt32(bitPattern: value)) }

    package mutating func write(_ value: Int64) { appendBigEndian(UInt64(bitPattern: value)) }

    package mutating func write(_ value: Double) { appendBigEndian(value.bitPattern) }

    /// A `UInt32` byte count, then the UTF-8 bytes.
    package mutating func write(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            write(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A `UInt32` byte count, then the bytes.
    package mutating func write(bytes value: ArraySlice<UInt8>) {
        write(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// Bytes already in this layout (an array's elements, encoded one by one), as they are.
    package mutating func write(encoded value: [UInt8]) {
        bytes.append(contentsOf: value)
    }

    /// A presence byte, then the value when present.
    package mutating func write<T>(optional value: T?, _ writeValue: (inout WireWriter, T) -> Void) {
        guard let value else { return write(false) }
        write(true)
        writeValue(&self, value)
    }

    /// A `UInt32` element count, then each element.
    package mutating func write<C: Collection>(array: C, _ writeElement: (inout WireWriter, C.Element) -> Void) {
        write(UInt32(array.count))
        for element in array { writeElement(&self, element) }
    }

    package mutating func write(_ value: some WireCodable) { value.encode(to: &self) }

    package mutating func write<T: WireCodable>(array: [T]) {
        write(array: array) { writer, element in element.encode(to: &writer) }
    }

    /// Overwrites four bytes at `offset` with `value`; used to patch a frame's length prefix.
    package mutating func patch(_ value: UInt32, at offset: Int) {
        precondition(offset + 4 <= bytes.count, "patch beyond the bytes written")  // our bug if it fires
        bytes[offset] = UInt8(truncatingIfNeeded: value >> 24)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        bytes[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[offset + 3] = UInt8(truncatingIfNeeded: value)
    }

    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}

/// A value with a hand-written binary layout that round-trips exactly.
package protocol WireCodable: Sendable, Equatable {
    func encode(to writer: inout WireWriter)
    init(from reader: inout WireReader) throws(WireError)
}
