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

    /// Reads a value stored in `layout`: this build's, or an older one the type still reads.
    static func read(_ reader: inout WireReader, layout: UInt8) throws(WireError) -> Self
}

extension StoredCodable {
    /// Only this build's layout; a type that changed its layout reads its older ones itself.
    package static func read(_ reader: inout WireReader, layout: UInt8) throws(WireError) -> Self {
        guard layout == storedLayout else { throw .unknownStoredLayout(type: "\(Self.self)", layout: layout, supported: storedLayout) }
        return try reader.read()
    }
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
        self = try Self.read(&reader, layout: try reader.readUInt8("\(Self.self).layout"))
        try reader.expectEnd()
    }
}

extension WireCodable {
    /// Reads a value's bare wire encoding, whole (a call's or a reply's body, or a value stored
    /// before layout bytes existed); bytes left over are refused.
    package init(bareBytes bytes: [UInt8]) throws(WireError) {
        var reader = WireReader(bytes)
        self = try reader.read()
        try reader.expectEnd()
    }
}

extension JobDocument: StoredCodable {
    /// 2 added the throttle (`requestsPerSecond`), 3 the ignored keys (`ignoredKeys`) and the counters'
    /// `applications`, 4 the kind (`kind`), 5 what a restore needs (`permanent`, `restorableUntil`, `restoredBy`,
    /// `restores`, `purged`); 1 to 4 are still read.
    package static let storedLayout: UInt8 = 5

    package static func read(_ reader: inout WireReader, layout: UInt8) throws(WireError) -> JobDocument {
        guard (1...storedLayout).contains(layout) else { throw .unknownStoredLayout(type: "JobDocument", layout: layout, supported: storedLayout) }
        return try JobDocument(from: &reader, layout: layout)
    }
}

extension ContactFilter: StoredCodable {
    package static let storedLayout: UInt8 = 1
}

extension DeleteCounters: StoredCodable {
    /// 2 added `applications`; 1 (a checkpoint written before) is still read, with none.
    package static let storedLayout: UInt8 = 2

    package static func read(_ reader: inout WireReader, layout: UInt8) throws(WireError) -> DeleteCounters {
        guard (1...storedLayout).contains(layout) else { throw .unknownStoredLayout(type: "DeleteCounters", layout: layout, supported: storedLayout) }
        return try DeleteCounters(from: &reader, layout: layout)
    }

    /// Counters a checkpoint kept before stored values had a layout byte: layout 1, bare.
    package init(bareBytes bytes: [UInt8]) throws(WireError) {
        var reader = WireReader(bytes)
        try self.init(from: &reader, layout: 1)
        try reader.expectEnd()
    }
}
