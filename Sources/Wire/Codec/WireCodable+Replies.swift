/// Replies that are plain values: a count, a yes or no, something that may not exist, a list.

extension UInt64: WireCodable {
    package func encode(to writer: inout WireWriter) { writer.write(self) }
    package init(from reader: inout WireReader) throws(WireError) { self = try reader.readUInt64("reply.count") }
}

extension Bool: WireCodable {
    package func encode(to writer: inout WireWriter) { writer.write(self) }
    package init(from reader: inout WireReader) throws(WireError) { self = try reader.readBool("reply.flag") }
}

/// A presence byte, then the value: nil when what was asked for does not exist.
extension Optional: WireCodable where Wrapped: WireCodable {
    package func encode(to writer: inout WireWriter) { writer.write(optional: self) { $0.write($1) } }
    package init(from reader: inout WireReader) throws(WireError) {
        self = try reader.readOptional("reply.optional") { reader throws(WireError) in try reader.read() }
    }
}

extension Array: WireCodable where Element: WireCodable {
    package func encode(to writer: inout WireWriter) { writer.write(array: self) }
    package init(from reader: inout WireReader) throws(WireError) { self = try reader.readArray("reply.elements") }
}
