import Wire

/// Turns one NDJSON import line into an `ImportRecord`, or says what is
/// wrong with it in words the sender can act on.
///
/// Ids must be 24 lowercase hex characters; absent ones are made here.
/// Absent dates default to the time of the import. Unknown keys are skipped.
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

    func parse(_ line: ArraySlice<UInt8>) throws(LineError) -> ImportRecord {
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
        return try fields.record(now: now)
    }

    /// A new id in the seed's shape: 24 lowercase hex characters (96 random bits).
    static func makeId() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = String(generator.next() as UInt64, radix: 16)
        let low = String(UInt32(truncatingIfNeeded: generator.next() as UInt64), radix: 16)
        return String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 8 - low.count) + low
    }

    static func isValidId(_ text: String) -> Bool {
        text.utf8.count == 24 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// The fields of a contact or application line as they are read, in any order.
private struct ContactFields {
    var kind: String?
    var id: String?
    var contactId: String?
    var stageId: String?
    var assignedTo: String?
    var name: String?
    var email: String?
    var phone: String?
    var tags: [String] = []
    var source: String?
    var createdAt: Int64?
    var updatedAt: Int64?
    var conversations: [ConversationRecord] = []
    var hasConversations = false

    mutating func take(_ key: String, from reader: inout JSONReader, now: Int64) throws {
        switch key {
        case "kind": kind = try Value.string(&reader, key)
        case "_id": id = try Value.id(&reader, key)
        case "contactId": contactId = try Value.id(&reader, key)
        case "stageId": stageId = try Value.string(&reader, key)
        case "assignedTo": assignedTo = try Value.string(&reader, key)
        case "name": name = try Value.string(&reader, key)
        case "email": email = try Value.string(&reader, key)
        case "phone": phone = try Value.string(&reader, key)
        case "tags": tags = try Value.strings(&reader, key, limit: ImportLineParser.maxTags)
        case "source": source = try Value.string(&reader, key)
        case "createdAt": createdAt = try Value.date(&reader, key)
        case "updatedAt": updatedAt = try Value.date(&reader, key)
        case "conversations":
            hasConversations = !reader.readNull()
            guard hasConversations else { return }
            conversations = try Value.objects(&reader, key, limit: ImportLineParser.maxConversations) { reader, index in
                try Self.conversation(&reader, path: "conversations[\(index)].", now: now)
            }
        default: try reader.skipValue()
        }
    }

    func record(now: Int64) throws(ImportLineParser.LineError) -> ImportRecord {
        let recordKind: ImportRecord.Kind
        switch kind ?? "Contact" {
        case "Contact": recordKind = .contact
        case "Application": recordKind = .application
        case let other: throw .init("kind must be \"Contact\" or \"Application\", got \(JSONText.quoted(other))")
        }
        let id = id ?? ImportLineParser.makeId()
        var owner = id
        if recordKind == .application {
            guard let contactId else { throw .init("an Application needs contactId, the id of its contact") }
            guard !hasConversations else { throw .init("conversations belong to contacts; an Application carries none") }
            owner = contactId
        }
        return ImportRecord(
            kind: recordKind, id: id, contactId: owner, stageId: stageId, assignedTo: assignedTo, name: name ?? "", email: email ?? "",
            phone: phone ?? "", tags: tags, source: source, createdAt: createdAt ?? now, updatedAt: updatedAt ?? now,
            conversations: conversations)
    }

    private static func conversation(_ reader: inout JSONReader, path: @autoclosure () -> String, now: Int64) throws -> ConversationRecord {
        var id: String?
        var channel: String?
        var createdAt: Int64?
        var messages: [MessageRecord] = []
        try reader.readObject { reader, key in
            switch key {
            case "_id": id = try Value.id(&reader, path() + key)
            case "channel": channel = try Value.string(&reader, path() + key)
            case "createdAt": createdAt = try Value.date(&reader, path() + key)
            case "messages":
                messages = try Value.objects(&reader, path() + key, limit: ImportLineParser.maxMessagesPerConversation) { reader, index in
                    try message(&reader, path: "\(path())messages[\(index)].", now: now)
                }
            default: try reader.skipValue()
            }
        }
        return ConversationRecord(id: id ?? ImportLineParser.makeId(), channel: channel ?? "", createdAt: createdAt ?? now, messages: messages)
    }

    private static func message(_ reader: inout JSONReader, path: @autoclosure () -> String, now: Int64) throws -> MessageRecord {
        var id: String?
        var direction: String?
        var body: String?
        var createdAt: Int64?
        try reader.readObject { reader, key in
            switch key {
            case "_id": id = try Value.id(&reader, path() + key)
            case "direction": direction = try Value.string(&reader, path() + key)
            case "body": body = try Value.string(&reader, path() + key)
            case "createdAt": createdAt = try Value.date(&reader, path() + key)
            default: try reader.skipValue()
            }
        }
        return MessageRecord(id: id ?? ImportLineParser.makeId(), direction: direction ?? "", body: body ?? "", createdAt: createdAt ?? now)
    }
}

/// Reading one typed value, naming the field in every error. A JSON null is an absent value.
/// Names are rendered only for an error: built for every field of every line, they were a
/// tenth of the gateway's time in an import.
private enum Value {
    static func string(_ reader: inout JSONReader, _ name: @autoclosure () -> String) throws -> String? {
        if reader.readNull() { return nil }
        guard let value = try reader.readString() else { throw ImportLineParser.LineError("\(name()) must be a string") }
        return value
    }

    static func id(_ reader: inout JSONReader, _ name: @autoclosure () -> String) throws -> String? {
        guard let value = try string(&reader, name()) else { return nil }
        guard ImportLineParser.isValidId(value) else {
            throw ImportLineParser.LineError("\(name()) must be 24 lowercase hex characters, got \(JSONText.quoted(value))")
        }
        return value
    }

    static func date(_ reader: inout JSONReader, _ name: @autoclosure () -> String) throws -> Int64? {
        guard let value = try string(&reader, name()) else { return nil }
        guard let milliseconds = ISO8601.milliseconds(from: value) else {
            throw ImportLineParser.LineError("\(name()) must be an ISO 8601 date such as 2026-01-05T10:00:00Z, got \(JSONText.quoted(value))")
        }
        return milliseconds
    }

    static func strings(_ reader: inout JSONReader, _ name: @autoclosure () -> String, limit: Int) throws -> [String] {
        if reader.readNull() { return [] }
        func notStrings() -> ImportLineParser.LineError { ImportLineParser.LineError("\(name()) must be an array of strings") }
        guard reader.peek() == .array else { throw notStrings() }
        var values: [String] = []
        try reader.readArray { reader in
            guard let value = try reader.readString() else { throw notStrings() }
            values.append(value)
            guard values.count <= limit else { throw ImportLineParser.LineError("\(name()) has more than \(limit) entries") }
        }
        return values
    }

    static func objects<T>(_ reader: inout JSONReader, _ name: @autoclosure () -> String, limit: Int, _ read: (inout JSONReader, Int) throws -> T) throws -> [T] {
        if reader.readNull() { return [] }
        func notObjects() -> ImportLineParser.LineError { ImportLineParser.LineError("\(name()) must be an array of objects") }
        guard reader.peek() == .array else { throw notObjects() }
        var values: [T] = []
        try reader.readArray { reader in
            guard reader.peek() == .object else { throw notObjects() }
            values.append(try read(&reader, values.count))
            guard values.count <= limit else { throw ImportLineParser.LineError("\(name()) has more than \(limit) entries") }
        }
        return values
    }
}
