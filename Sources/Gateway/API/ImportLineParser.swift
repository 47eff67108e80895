#if canImport(Glibc)
import Glibc
#endif
import Wire
import WireRuntime

/// Turns one NDJSON import line into an encoded `ImportRecord`, or says what
/// is wrong with it in words the sender can act on.
///
/// Ids must be 24 lowercase hex characters; absent ones are made here.
/// Absent dates default to the time of the import. Unknown keys are skipped.
///
/// Fields go from the line's bytes to the record's wire layout (`ImportRecord.encode`) with no
/// `String` or record in between: parsing is nearly all of an import's work in the gateway, and
/// a string for every field and key would dominate it (docs/benchmarks.md, "The import's own
/// cost per line").
struct ImportLineParser {
    /// The time absent dates take, in epoch milliseconds.
    let now: Int64

    /// Nesting bounds so one line cannot carry an unbounded cascade.
    static let maxConversations = 1_000
    static let maxMessagesPerConversation = 10_000
    static let maxTags = 100

    /// What is wrong with a line.
    struct LineError: Error, Equatable {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// The record on `line`, encoded as `ImportBatch.append` takes it.
    func parse(_ line: ArraySlice<UInt8>) throws(LineError) -> [UInt8] {
        var reader = JSONReader(line)
        var fields = ContactFields()
        do {
            guard reader.peek() == .object else {
                // Valid JSON of another shape, or no JSON at all.
                try reader.skipValue()
                try reader.expectEnd()
                throw LineError("each line must be one JSON object")
            }
            try reader.readObject { reader, key in try fields.take(key, from: &reader, now: now) }
            try reader.expectEnd()
        } catch let error as LineError {
            throw error
        } catch {
            throw LineError("not valid JSON")
        }
        return try fields.encoded(now: now)
    }

    /// A new id in the original API's shape: 24 lowercase hex characters (96 random bits).
    static func makeId() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = String(generator.next() as UInt64, radix: 16)
        let low = String(UInt32(truncatingIfNeeded: generator.next() as UInt64), radix: 16)
        return String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 8 - low.count) + low
    }

    static func isValidId(_ text: String) -> Bool {
        isValidId(Array(text.utf8)[...])
    }

    static func isValidId(_ utf8: ArraySlice<UInt8>) -> Bool {
        utf8.count == 24 && utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// A string field as the line holds it: its UTF-8 bytes, escapes decoded.
private typealias Text = ArraySlice<UInt8>

/// A key matches a name when their bytes are the same: `switch key { case "_id": … }`.
private func ~= (name: StaticString, key: Text) -> Bool {
    name.utf8CodeUnitCount == key.count
        && key.withUnsafeBufferPointer { bytes in bytes.baseAddress.map { memcmp(name.utf8Start, $0, bytes.count) == 0 } ?? true }
}

extension WireWriter {
    /// A string field, laid out as `write(_: String)` lays out a string.
    fileprivate mutating func write(text: Text) { write(bytes: text) }

    fileprivate mutating func write(_ array: EncodedArray) {
        write(UInt32(array.count))
        write(encoded: array.writer.bytes)
    }
}

/// The elements of an array field, encoded as they are read, and how many there are.
private struct EncodedArray {
    private(set) var count = 0
    private(set) var writer = WireWriter(reservingCapacity: 0)

    mutating func add(_ encode: (inout WireWriter) throws -> Void) rethrows {
        try encode(&writer)
        count += 1
    }
}

/// The fields of a contact or application line as they are read, in any order.
private struct ContactFields {
    var kind: Text?
    var id: Text?
    var contactId: Text?
    var stageId: Text?
    var assignedTo: Text?
    var name: Text?
    var email: Text?
    var phone: Text?
    var tags: [Text] = []
    var source: Text?
    var createdAt: Int64?
    var updatedAt: Int64?
    var conversations = EncodedArray()
    var hasConversations = false

    mutating func take(_ key: Text, from reader: inout JSONReader, now: Int64) throws {
        switch key {
        case "kind": kind = try Value.text(&reader, "kind")
        case "_id": id = try Value.id(&reader, "_id")
        case "contactId": contactId = try Value.id(&reader, "contactId")
        case "stageId": stageId = try Value.text(&reader, "stageId")
        case "assignedTo": assignedTo = try Value.text(&reader, "assignedTo")
        case "name": name = try Value.text(&reader, "name")
        case "email": email = try Value.text(&reader, "email")
        case "phone": phone = try Value.text(&reader, "phone")
        case "tags": tags = try Value.texts(&reader, "tags", limit: ImportLineParser.maxTags)
        case "source": source = try Value.text(&reader, "source")
        case "createdAt": createdAt = try Value.date(&reader, "createdAt")
        case "updatedAt": updatedAt = try Value.date(&reader, "updatedAt")
        case "conversations":
            hasConversations = !reader.readNull()
            conversations = EncodedArray()
            guard hasConversations else { return }
            try Value.objects(&reader, "conversations", limit: ImportLineParser.maxConversations) { reader, index in
                try conversations.add { writer in try Self.conversation(&reader, path: "conversations[\(index)].", now: now, into: &writer) }
            }
        default: try reader.skipValue()
        }
    }

    /// The record in `ImportRecord.encode(to:)`'s layout, behind its length.
    func encoded(now: Int64) throws(ImportLineParser.LineError) -> [UInt8] {
        let recordKind: ImportRecord.Kind
        switch kind ?? Array("Contact".utf8)[...] {
        case "Contact": recordKind = .contact
        case "Application": recordKind = .application
        case let other: throw .init("kind must be \"Contact\" or \"Application\", got \(JSONText.quoted(String(decoding: other, as: UTF8.self)))")
        }
        let id = id ?? Self.newId()
        var owner = id
        if recordKind == .application {
            guard let contactId else { throw .init("an Application needs contactId, the id of its contact") }
            guard !hasConversations else { throw .init("conversations belong to contacts; an Application carries none") }
            owner = contactId
        }
        var writer = WireWriter(reservingCapacity: 256 + conversations.writer.bytes.count)
        writer.write(UInt32(0))
        writer.write(recordKind.rawValue)
        writer.write(text: id)
        writer.write(text: owner)
        writer.write(optional: stageId) { $0.write(text: $1) }
        writer.write(optional: assignedTo) { $0.write(text: $1) }
        writer.write(text: name ?? [])
        writer.write(text: email ?? [])
        writer.write(text: phone ?? [])
        writer.write(array: tags) { $0.write(text: $1) }
        writer.write(optional: source) { $0.write(text: $1) }
        writer.write(createdAt ?? now)
        writer.write(updatedAt ?? now)
        writer.write(conversations)
        writer.patch(UInt32(writer.bytes.count - 4), at: 0)
        return writer.bytes
    }

    fileprivate static func newId() -> Text { Array(ImportLineParser.makeId().utf8)[...] }

    /// A conversation in `ConversationRecord.encode(to:)`'s layout.
    private static func conversation(_ reader: inout JSONReader, path: @autoclosure () -> String, now: Int64, into writer: inout WireWriter) throws {
        var id: Text?
        var channel: Text?
        var createdAt: Int64?
        var messages = EncodedArray()
        try reader.readObject { reader, key in
            switch key {
            case "_id": id = try Value.id(&reader, path() + "_id")
            case "channel": channel = try Value.text(&reader, path() + "channel")
            case "createdAt": createdAt = try Value.date(&reader, path() + "createdAt")
            case "messages":
                messages = EncodedArray()
                try Value.objects(&reader, path() + "messages", limit: ImportLineParser.maxMessagesPerConversation) { reader, index in
                    try messages.add { writer in try message(&reader, path: "\(path())messages[\(index)].", now: now, into: &writer) }
                }
            default: try reader.skipValue()
            }
        }
        writer.write(text: id ?? newId())
        writer.write(text: channel ?? [])
        writer.write(createdAt ?? now)
        writer.write(messages)
    }

    /// A message in `MessageRecord.encode(to:)`'s layout.
    private static func message(_ reader: inout JSONReader, path: @autoclosure () -> String, now: Int64, into writer: inout WireWriter) throws {
        var id: Text?
        var direction: Text?
        var body: Text?
        var createdAt: Int64?
        try reader.readObject { reader, key in
            switch key {
            case "_id": id = try Value.id(&reader, path() + "_id")
            case "direction": direction = try Value.text(&reader, path() + "direction")
            case "body": body = try Value.text(&reader, path() + "body")
            case "createdAt": createdAt = try Value.date(&reader, path() + "createdAt")
            default: try reader.skipValue()
            }
        }
        writer.write(text: id ?? newId())
        writer.write(text: direction ?? [])
        writer.write(text: body ?? [])
        writer.write(createdAt ?? now)
    }
}

/// Reading one typed value, naming the field in every error. A JSON null is an absent value.
/// Names are rendered only for an error: built for every field of every line, they were a
/// tenth of the gateway's time in an import.
private enum Value {
    static func text(_ reader: inout JSONReader, _ name: @autoclosure () -> String) throws -> Text? {
        if reader.readNull() { return nil }
        guard let value = try reader.readStringBytes() else { throw ImportLineParser.LineError("\(name()) must be a string") }
        return value
    }

    static func id(_ reader: inout JSONReader, _ name: @autoclosure () -> String) throws -> Text? {
        guard let value = try text(&reader, name()) else { return nil }
        guard ImportLineParser.isValidId(value) else {
            throw ImportLineParser.LineError("\(name()) must be 24 lowercase hex characters, got \(quoted(value))")
        }
        return value
    }

    static func date(_ reader: inout JSONReader, _ name: @autoclosure () -> String) throws -> Int64? {
        guard let value = try text(&reader, name()) else { return nil }
        guard let milliseconds = ISO8601.milliseconds(utf8: value) else {
            throw ImportLineParser.LineError("\(name()) must be an ISO 8601 date such as 2026-01-05T10:00:00Z, got \(quoted(value))")
        }
        return milliseconds
    }

    static func texts(_ reader: inout JSONReader, _ name: @autoclosure () -> String, limit: Int) throws -> [Text] {
        if reader.readNull() { return [] }
        func notStrings() -> ImportLineParser.LineError { ImportLineParser.LineError("\(name()) must be an array of strings") }
        guard reader.peek() == .array else { throw notStrings() }
        var values: [Text] = []
        try reader.readArray { reader in
            guard let value = try reader.readStringBytes() else { throw notStrings() }
            values.append(value)
            guard values.count <= limit else { throw ImportLineParser.LineError("\(name()) has more than \(limit) entries") }
        }
        return values
    }

    /// Reads an array of objects, handing `read` each with its index.
    static func objects(_ reader: inout JSONReader, _ name: @autoclosure () -> String, limit: Int, _ read: (inout JSONReader, Int) throws -> Void) throws {
        if reader.readNull() { return }
        func notObjects() -> ImportLineParser.LineError { ImportLineParser.LineError("\(name()) must be an array of objects") }
        guard reader.peek() == .array else { throw notObjects() }
        var count = 0
        try reader.readArray { reader in
            guard reader.peek() == .object else { throw notObjects() }
            guard count < limit else { throw ImportLineParser.LineError("\(name()) has more than \(limit) entries") }
            try read(&reader, count)
            count += 1
        }
    }

    private static func quoted(_ text: Text) -> String { JSONText.quoted(String(decoding: text, as: UTF8.self)) }
}
