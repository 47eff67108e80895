import Foundation
import Wire

/// Turns one NDJSON import line into an `ImportRecord`, or says what is
/// wrong with it in words the sender can act on.
///
/// Ids must be 24 lowercase hex characters; absent ones are made here.
/// Absent dates default to the time of the import.
struct ImportLineParser {
    /// The time absent dates take, in epoch milliseconds.
    let now: Int64

    /// Nesting bounds so one line cannot carry an unbounded cascade.
    static let maxConversations = 1_000
    static let maxMessagesPerConversation = 10_000
    static let maxTags = 100

    func parse(_ line: ArraySlice<UInt8>) throws(LineError) -> ImportRecord {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw LineError("each line must be one JSON object")
            }
            object = parsed
        } catch let error as LineError {
            throw error
        } catch {
            throw LineError("not valid JSON")
        }
        let fields = Fields(object, path: "")
        let kindName = try fields.string("kind") ?? "Contact"
        let kind: ImportRecord.Kind
        switch kindName {
        case "Contact": kind = .contact
        case "Application": kind = .application
        default: throw LineError("kind must be \"Contact\" or \"Application\", got \(JSONText.quoted(kindName))")
        }
        let id = try fields.id("_id") ?? Self.makeId()
        let contactId: String
        if kind == .application {
            guard let owner = try fields.id("contactId") else { throw LineError("an Application needs contactId, the id of its contact") }
            contactId = owner
            guard fields.isAbsent("conversations") else { throw LineError("conversations belong to contacts; an Application carries none") }
        } else {
            contactId = id
        }
        var conversations: [ConversationRecord] = []
        for (index, conversation) in try fields.objects("conversations", limit: Self.maxConversations).enumerated() {
            conversations.append(try parseConversation(Fields(conversation, path: "conversations[\(index)].")))
        }
        let tags = try fields.strings("tags", limit: Self.maxTags)
        return ImportRecord(
            kind: kind, id: id, contactId: contactId, stageId: try fields.string("stageId"), assignedTo: try fields.string("assignedTo"),
            name: try fields.string("name") ?? "", email: try fields.string("email") ?? "", phone: try fields.string("phone") ?? "",
            tags: tags, source: try fields.string("source"), createdAt: try fields.date("createdAt") ?? now,
            updatedAt: try fields.date("updatedAt") ?? now, conversations: conversations)
    }

    private func parseConversation(_ fields: Fields) throws(LineError) -> ConversationRecord {
        var messages: [MessageRecord] = []
        for (index, message) in try fields.objects("messages", limit: Self.maxMessagesPerConversation).enumerated() {
            let messageFields = Fields(message, path: "\(fields.path)messages[\(index)].")
            messages.append(MessageRecord(
                id: try messageFields.id("_id") ?? Self.makeId(), direction: try messageFields.string("direction") ?? "",
                body: try messageFields.string("body") ?? "", createdAt: try messageFields.date("createdAt") ?? now))
        }
        return ConversationRecord(
            id: try fields.id("_id") ?? Self.makeId(), channel: try fields.string("channel") ?? "",
            createdAt: try fields.date("createdAt") ?? now, messages: messages)
    }

    /// A new id in the seed's shape: 24 lowercase hex characters (96 random bits).
    static func makeId() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = UInt32(truncatingIfNeeded: generator.next() as UInt64)
        let highText = String(high, radix: 16)
        let lowText = String(low, radix: 16)
        return String(repeating: "0", count: 16 - highText.count) + highText + String(repeating: "0", count: 8 - lowText.count) + lowText
    }

    static func isValidId(_ text: String) -> Bool {
        text.utf8.count == 24 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// What is wrong with a line.
    struct LineError: Error, Equatable {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Typed access to one JSON object's fields, naming the field in every error.
    private struct Fields {
        let object: [String: Any]
        let path: String

        init(_ object: [String: Any], path: String) {
            self.object = object
            self.path = path
        }

        func isAbsent(_ key: String) -> Bool { object[key] == nil || object[key] is NSNull }

        func string(_ key: String) throws(LineError) -> String? {
            guard !isAbsent(key) else { return nil }
            guard let value = object[key] as? String else { throw LineError("\(path)\(key) must be a string") }
            return value
        }

        func id(_ key: String) throws(LineError) -> String? {
            guard let value = try string(key) else { return nil }
            guard ImportLineParser.isValidId(value) else { throw LineError("\(path)\(key) must be 24 lowercase hex characters, got \(JSONText.quoted(value))") }
            return value
        }

        func date(_ key: String) throws(LineError) -> Int64? {
            guard let value = try string(key) else { return nil }
            guard let milliseconds = ISO8601.milliseconds(from: value) else {
                throw LineError("\(path)\(key) must be an ISO 8601 date such as 2026-01-05T10:00:00Z, got \(JSONText.quoted(value))")
            }
            return milliseconds
        }

        func strings(_ key: String, limit: Int) throws(LineError) -> [String] {
            guard !isAbsent(key) else { return [] }
            guard let values = object[key] as? [Any], let strings = values as? [String] else { throw LineError("\(path)\(key) must be an array of strings") }
            guard strings.count <= limit else { throw LineError("\(path)\(key) has \(strings.count) entries, more than \(limit)") }
            return strings
        }

        func objects(_ key: String, limit: Int) throws(LineError) -> [[String: Any]] {
            guard !isAbsent(key) else { return [] }
            guard let values = object[key] as? [Any], let objects = values as? [[String: Any]] else { throw LineError("\(path)\(key) must be an array of objects") }
            guard objects.count <= limit else { throw LineError("\(path)\(key) has \(objects.count) entries, more than \(limit)") }
            return objects
        }
    }
}
