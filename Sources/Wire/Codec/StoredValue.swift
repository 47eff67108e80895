/// A value a database keeps: written with one leading byte naming its layout.
///
/// Both ends of a connection run the same build, so a wire layout may change
/// with a protocol bump; a database outlives builds. What it stores therefore
/// says which layout it is in, and a reader refuses a layout it does not know
/// with an error that says so, instead of misreading the bytes.
package protocol StoredCodable: WireCodable {
    /// The layout this build writes; bumped whenever `encode(to:)` changes
    /// (the golden-bytes tests fail until it is).
    static var storedLayout: UInt8 { get }
}

extension StoredCodable {
    /// The layout byte, then the wire encoding.
    package var storedBytes: [UInt8] {
        var writer = WireWriter()
        writer.write(Self.storedLayout)
        writer.write(self)
        return writer.bytes
    }

    /// Reads what `storedBytes` wrote; throws for another layout, a truncated value or bytes left over.
    package init(storedBytes bytes: [UInt8]) throws(WireError) {
        var reader = WireReader(bytes)
        let layout = try reader.readUInt8("\(Self.self).layout")
        guard layout == Self.storedLayout else {
            throw .unknownStoredLayout(type: "\(Self.self)", layout: layout, supported: Self.storedLayout)
        }
        self = try reader.read()
        try reader.expectEnd()
    }
}

extension WireCodable {
    /// Reads a value stored before layout bytes existed: its bare wire encoding, whole.
    package init(bareBytes bytes: [UInt8]) throws(WireError) {
        var reader = WireReader(bytes)
        self = try reader.read()
        try reader.expectEnd()
    }
}

extension JobDocument: StoredCodable {
    package static let storedLayout: UInt8 = 1
}

extension ContactFilter: StoredCodable {
    package static let storedLayout: UInt8 = 1
}

extension DeleteCounters: StoredCodable {
    package static let storedLayout: UInt8 = 1
}
