import Foundation
import Wire

/// Turns a ContactBulkQueryFilter request body into a validated `ContactFilter`.
///
/// Strict where a mistake could widen a delete, lenient where the seed is:
/// - Top-level keys other than `stageIds`, `pipelineType`, `orgWide`,
///   `ownerFilter` and `advancedParams` are ignored (the seed's
///   `additionalProperties: true`; `expectedCount` and `dryRun` are read elsewhere),
///   except a near miss of one of them or of the guards (case, or two edits:
///   `dryrun`, `advancedparams`), which is an `.invalidFilter` naming the intended key.
/// - Inside `advancedParams` an unknown key or a wrongly typed value is an
///   `.invalidFilter` naming it: a typo must never widen a delete.
/// - A JSON `null` for any optional key means the key is absent.
/// - `orgWide: true` ignores `stageIds` (they must still be well formed) and
///   leaves them out of the result; otherwise a non-empty `stageIds` is
///   required (`.missingStageIds`, the seed's 400).
/// - Arrays hold at most `maxArrayEntries` entries and `search` at most
///   `maxSearchLength` Unicode scalars, so no request can blow up the SQL a shard runs.
/// - No string may contain U+0000 (a C API would cut it there and widen the filter).
/// - Empty `tags`/`tagsAll` mean no constraint; empty `assignedTo` matches
///   nothing; an empty `search` means no constraint.
///
/// Dates (see `ISO8601.milliseconds(from:)`) become Unix epoch milliseconds.
/// Duplicate JSON keys are not detected: `JSONSerialization` keeps the last.
enum FilterParser {
    /// The most entries any array of the filter (stageIds, tags, tagsAll, assignedTo) may hold.
    static let maxArrayEntries = 1000
    /// The most Unicode scalars `advancedParams.search` may hold.
    static let maxSearchLength = 256
    /// The keys a filter body's top level may hold (the guards beside the filter's own);
    /// others are ignored, as the seed allows, unless they are a near miss of one of these.
    static let topLevelKeys: Set<String> = [
        "stageIds", "pipelineType", "orgWide", "ownerFilter", "advancedParams", "dryRun", "expectedCount", "requestsPerSecond",
    ]

    /// The top-level key `key` was probably meant to be: one that differs only in case or by at most two edits.
    static func nearMiss(_ key: String) -> String? {
        NearMiss.suggestion(for: key, among: topLevelKeys)
    }

    /// Every key `advancedParams` may hold, in the order error messages list them.
    static let advancedKeys = [
        "createdAfter", "createdBefore", "updatedAfter", "updatedBefore", "tags", "tagsAll", "source", "assignedTo", "search",
    ]

    /// The filter in `body`, with `requester` (the token's `sub`) as the user `ownerFilter: "mine"` means.
    ///
    /// Throws `.invalidBody` when the body is not a JSON object, `.missingStageIds`
    /// when it names no stage and is not org-wide, and `.invalidFilter` for any
    /// other wrongly typed, unknown (inside `advancedParams`) or oversized value.
    static func parse(_ body: [UInt8], requester: String) throws(APIError) -> ContactFilter {
        let object = try jsonObject(body)
        for key in object.keys.sorted() where !topLevelKeys.contains(key) {
            guard let intended = nearMiss(key) else { continue }
            throw .invalidFilter(
                "unknown key \(JSONText.quoted(key)): did you mean \(JSONText.quoted(intended))? A key this close to one of the filter's "
                    + "is refused, not ignored, so that a typo can neither widen a delete nor turn a preview into one")
        }
        var filter = ContactFilter()
        filter.requester = requester

        if let value = present(object["pipelineType"]) {
            switch value as? String {
            case "Contact": filter.pipeline = .contact
            case "Application": filter.pipeline = .application
            default: throw .invalidFilter("pipelineType must be \"Contact\" or \"Application\", got \(describe(value))")
            }
        }

        if let value = present(object["orgWide"]) {
            guard let orgWide = boolean(value) else {
                throw .invalidFilter(
                    "orgWide must be a boolean, got \(describe(value)): send true to target the whole organization, or leave it out")
            }
            filter.orgWide = orgWide
        }

        // Checked even when orgWide ignores them: a malformed filter is refused whole.
        let stageIds = try strings(object["stageIds"], key: "stageIds", nonEmptyElements: true) ?? []
        if !filter.orgWide {
            guard !stageIds.isEmpty else { throw .missingStageIds }
            filter.stageIds = stageIds
        }

        if let value = present(object["ownerFilter"]) {
            switch value as? String {
            case "owned": filter.owner = .owned
            case "unowned": filter.owner = .unowned
            case "mine": filter.owner = .mine
            default:
                throw .invalidFilter(
                    "ownerFilter must be \"owned\", \"unowned\" or \"mine\", got \(describe(value)); leave it out to not filter by owner")
            }
        }
        if filter.owner == .mine && requester.isEmpty {
            // The token layer requires `sub`; an empty one must not make "mine" match rows assigned to "".
            throw .invalidFilter("ownerFilter \"mine\" needs a caller: the token's sub is empty")
        }

        if let value = present(object["advancedParams"]) {
            guard let advanced = value as? [String: Any] else {
                throw .invalidFilter("advancedParams must be an object, got \(describe(value))")
            }
            try apply(advanced, to: &filter)
        }
        return filter
    }

    // MARK: - advancedParams

    private static func apply(_ advanced: [String: Any], to filter: inout ContactFilter) throws(APIError) {
        // Sorted, so that the error names the same key whatever order the dictionary iterates in.
        if let unknown = advanced.keys.sorted().first(where: { !advancedKeys.contains($0) }) {
            throw .invalidFilter(
                "advancedParams.\(unknown) is not a known filter key; known keys: \(advancedKeys.joined(separator: ", "))")
        }
        filter.createdAfter = try date(advanced["createdAfter"], key: "advancedParams.createdAfter")
        filter.createdBefore = try date(advanced["createdBefore"], key: "advancedParams.createdBefore")
        filter.updatedAfter = try date(advanced["updatedAfter"], key: "advancedParams.updatedAfter")
        filter.updatedBefore = try date(advanced["updatedBefore"], key: "advancedParams.updatedBefore")
        filter.tagsAny = try strings(advanced["tags"], key: "advancedParams.tags") ?? []
        filter.tagsAll = try strings(advanced["tagsAll"], key: "advancedParams.tagsAll") ?? []
        filter.source = try string(advanced["source"], key: "advancedParams.source")
        filter.assignedTo = try strings(advanced["assignedTo"], key: "advancedParams.assignedTo")
        if let search = try string(advanced["search"], key: "advancedParams.search"), !search.isEmpty {
            let length = search.unicodeScalars.count
            guard length <= maxSearchLength else {
                throw .invalidFilter(
                    "advancedParams.search has \(length) characters, more than the limit of \(maxSearchLength): send a shorter search term")
            }
            filter.search = search
        }
    }

    // MARK: - Typed values

    /// The string at `key`; nil when absent or null.
    private static func string(_ value: Any?, key: String) throws(APIError) -> String? {
        guard let value = present(value) else { return nil }
        guard let string = value as? String else { throw .invalidFilter("\(key) must be a string, got \(describe(value))") }
        try refuseNUL(string, key: key)
        return string
    }

    /// The array of strings at `key`; nil when absent or null. Each element must
    /// be a string (non-empty too, with `nonEmptyElements`), at most `maxArrayEntries` of them.
    private static func strings(_ value: Any?, key: String, nonEmptyElements: Bool = false) throws(APIError) -> [String]? {
        guard let value = present(value) else { return nil }
        guard let array = value as? [Any] else { throw .invalidFilter("\(key) must be an array of strings, got \(describe(value))") }
        guard array.count <= maxArrayEntries else {
            throw .invalidFilter(
                "\(key) has \(array.count) entries, more than the limit of \(maxArrayEntries): split the request into several smaller ones")
        }
        var result: [String] = []
        result.reserveCapacity(array.count)
        for (index, element) in array.enumerated() {
            guard let string = element as? String, !(nonEmptyElements && string.isEmpty) else {
                throw .invalidFilter("\(key)[\(index)] must be a \(nonEmptyElements ? "non-empty " : "")string, got \(describe(element))")
            }
            try refuseNUL(string, key: "\(key)[\(index)]")
            result.append(string)
        }
        return result
    }

    /// Refuses U+0000: a C string API binding the value would cut it there, and
    /// "s1\u0000x" must never select what "s1" selects.
    private static func refuseNUL(_ string: String, key: String) throws(APIError) {
        if string.utf8.contains(0) { throw .invalidFilter("\(key) contains a NUL character (\\u0000): remove it") }
    }

    /// The ISO 8601 date at `key` as epoch milliseconds; nil when absent or null.
    private static func date(_ value: Any?, key: String) throws(APIError) -> Int64? {
        let examples = "send e.g. \"2026-01-05T10:00:00Z\", \"2026-01-05T10:00:00.000+02:00\" or \"2026-01-05\""
        guard let value = present(value) else { return nil }
        guard let text = value as? String else {
            throw .invalidFilter("\(key) must be an ISO 8601 date-time string, got \(describe(value)); \(examples)")
        }
        guard let milliseconds = ISO8601.milliseconds(from: text) else {
            throw .invalidFilter("\(key) is not an ISO 8601 date-time: \(quotedExcerpt(text)); \(examples)")
        }
        return milliseconds
    }

    /// JSONSerialization hands back booleans and numbers alike as `NSNumber`;
    /// only booleans are of the `true` singleton's class, so `1` never passes for `true`.
    private static let booleanClass = ObjectIdentifier(type(of: NSNumber(value: true)))

    /// `value` when it is a JSON boolean; nil for anything else, numbers included.
    static func boolean(_ value: Any) -> Bool? {
        if let number = value as? NSNumber {
            return ObjectIdentifier(type(of: number)) == booleanClass ? number.boolValue : nil
        }
        return value as? Bool
    }

    /// nil for a missing key or a JSON null, which mean the same here.
    private static func present(_ value: Any?) -> Any? {
        guard let value, !(value is NSNull) else { return nil }
        return value
    }

    // MARK: - JSON

    private static func jsonObject(_ body: [UInt8]) throws(APIError) -> [String: Any] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "not valid JSON"
            throw .invalidBody("The body is not JSON (\(reason)): send the filter as a JSON object, e.g. {\"stageIds\":[\"…\"]}")
        }
        guard let object = parsed as? [String: Any] else {
            throw .invalidBody(
                "The body is \(describe(parsed)), not a JSON object: send the filter as a JSON object, e.g. {\"stageIds\":[\"…\"]}")
        }
        return object
    }

    /// What a JSON value is, for error messages: "a string (\"x\")", "a number (3)", "an array", …
    private static func describe(_ value: Any) -> String {
        if value is NSNull { return "null" }
        if let bool = boolean(value) { return "a boolean (\(bool))" }
        if let string = value as? String { return "a string (\(quotedExcerpt(string)))" }
        if let number = value as? NSNumber { return "a number (\(number))" }
        if value is [Any] { return "an array" }
        if value is [String: Any] { return "an object" }
        return "a \(type(of: value))"
    }

    /// `text` as a JSON string literal, cut at 64 characters so an error message stays short.
    private static func quotedExcerpt(_ text: String) -> String {
        let limit = 64
        return text.count <= limit ? JSONText.quoted(text) : JSONText.quoted(String(text.prefix(limit))) + "…"
    }
}
