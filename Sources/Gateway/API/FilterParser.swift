import Wire

/// Turns a ContactBulkQueryFilter request body into a validated `ContactFilter`.
///
/// Strict where a mistake could widen a delete, lenient where the original API is:
/// - The body is strict JSON (`JSONValue`): anything else is `.invalidBody` saying what is wrong.
/// - Top-level keys other than `stageIds`, `pipelineType`, `orgWide`,
///   `ownerFilter` and `advancedParams` are ignored (the original API's
///   `additionalProperties: true`; `expectedCount`, `dryRun`, `requestsPerSecond` and `permanent` are read by `DeleteOptions`),
///   except one probably meant as part of the filter (a near miss, a misplaced condition, a
///   preview's or a container's usual name: `TopLevelKeys`), which is an `.invalidFilter` naming the intended key.
/// - Inside `advancedParams` an unknown key or a wrongly typed value is an
///   `.invalidFilter` naming it: a typo must never widen a delete.
/// - A JSON `null` for any optional key means the key is absent.
/// - `orgWide: true` ignores `stageIds` (they must still be well formed) and
///   leaves them out of the result; otherwise a non-empty `stageIds` is
///   required (`.missingStageIds`, the original API's 400).
/// - Small by construction, since a job keeps its filter for a day and shows it in
///   every list: arrays hold at most `maxArrayEntries` entries, each string at most
///   `maxStringLength` Unicode scalars, `search` at most `maxSearchLength` Unicode scalars, and the
///   canonical filter (`FilterJSON`) at most `maxFilterBytes`.
/// - No string may contain U+0000 (a C API would cut it there and widen the filter).
/// - Empty `tags`/`tagsAll` mean no constraint; empty `assignedTo` matches
///   nothing; an empty `search` means no constraint.
///
/// Dates (see `ISO8601.milliseconds(from:)`) become Unix epoch milliseconds.
enum FilterParser {
    /// The most entries any array of the filter (stageIds, tags, tagsAll, assignedTo) may hold.
    static let maxArrayEntries = 1000
    /// The most Unicode scalars `advancedParams.search` may hold.
    static let maxSearchLength = 256
    /// The most Unicode scalars of any other string of the filter (a stage id, a tag, a source, a
    /// user id): counted as JSON Schema's `maxLength` counts, so the OpenAPI document states it exactly.
    static let maxStringLength = 256
    /// The most bytes of the filter as a job keeps and shows it (`FilterJSON.render`).
    static let maxFilterBytes = 64 << 10
    /// The keys a filter body's top level may hold (the guards beside the filter's own);
    /// others are ignored, as the original API allows, unless `TopLevelKeys` refuses them.
    static let topLevelKeys: Set<String> = [
        "stageIds", "pipelineType", "orgWide", "ownerFilter", "advancedParams", "dryRun", "expectedCount", "requestsPerSecond", "permanent",
    ]

    /// Every key `advancedParams` may hold, in the order error messages list them.
    static let advancedKeys = [
        "createdAfter", "createdBefore", "updatedAfter", "updatedBefore", "tags", "tagsAll", "source", "assignedTo", "search",
    ]

    /// The filter in `body`, with `requester` (the token's `sub`) as the user `ownerFilter: "mine"` means.
    static func parse(_ body: [UInt8], requester: String) throws(APIError) -> ContactFilter {
        try filter(in: try object(body), requester: requester).filter
    }

    /// The body's top-level object; `.invalidBody`, saying what is wrong, for anything else.
    static func object(_ body: [UInt8]) throws(APIError) -> [String: JSONValue] {
        let example = "send the filter as a JSON object in UTF-8, e.g. {\"stageIds\":[\"…\"]}"
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            throw .invalidBody("The body is not strict JSON: \(error.message); \(example)")
        }
        guard case .object(let object) = value else { throw .invalidBody("The body is \(value.description), not a JSON object: \(example)") }
        return object
    }

    /// The filter a body's top-level `object` holds, and the top-level keys it ignored (sorted).
    ///
    /// Throws `.missingStageIds` when it names no stage and is not org-wide, and `.invalidFilter` for a
    /// refused top-level key and any other wrongly typed, unknown (inside `advancedParams`) or oversized value.
    static func filter(
        in object: [String: JSONValue], requester: String
    ) throws(APIError) -> (filter: ContactFilter, ignoredKeys: [String]) {
        let ignoredKeys = try TopLevelKeys.ignored(in: object)
        var filter = ContactFilter()
        filter.requester = requester

        if let value = present(object["pipelineType"]) {
            switch value {
            case .string("Contact"): filter.pipeline = .contact
            case .string("Application"): filter.pipeline = .application
            default: throw .invalidFilter("pipelineType must be \"Contact\" or \"Application\", got \(value.description)")
            }
        }

        if let value = present(object["orgWide"]) {
            guard case .bool(let orgWide) = value else {
                throw .invalidFilter(
                    "orgWide must be a boolean, got \(value.description): send true to target the whole organization, or leave it out")
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
            switch value {
            case .string("owned"): filter.owner = .owned
            case .string("unowned"): filter.owner = .unowned
            case .string("mine"): filter.owner = .mine
            default:
                throw .invalidFilter(
                    "ownerFilter must be \"owned\", \"unowned\" or \"mine\", got \(value.description); leave it out to not filter by owner")
            }
        }
        if filter.owner == .mine && requester.isEmpty {
            // The token layer requires `sub`; an empty one must not make "mine" match rows assigned to "".
            throw .invalidFilter("ownerFilter \"mine\" needs a caller: the token's sub is empty")
        }

        if let value = present(object["advancedParams"]) {
            guard case .object(let advanced) = value else {
                throw .invalidFilter("advancedParams must be an object, got \(value.description)")
            }
            try apply(advanced, to: &filter)
        }
        let size = FilterJSON.render(filter).utf8.count
        guard size <= maxFilterBytes else {
            throw .invalidFilter(
                "the filter takes \(size) bytes as a job keeps it, more than the limit of \(maxFilterBytes): split it into several smaller deletes")
        }
        return (filter, ignoredKeys)
    }

    // MARK: - advancedParams

    private static func apply(_ advanced: [String: JSONValue], to filter: inout ContactFilter) throws(APIError) {
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
        if let search = try string(advanced["search"], key: "advancedParams.search", limit: maxSearchLength), !search.isEmpty {
            filter.search = search
        }
    }

    // MARK: - Typed values

    /// The string at `key`; nil when absent or null.
    private static func string(_ value: JSONValue?, key: String, limit: Int = maxStringLength) throws(APIError) -> String? {
        guard let value = present(value) else { return nil }
        guard case .string(let string) = value else { throw .invalidFilter("\(key) must be a string, got \(value.description)") }
        try check(string, key: key, limit: limit)
        return string
    }

    /// The array of strings at `key`; nil when absent or null. Each element must
    /// be a string (non-empty too, with `nonEmptyElements`), at most `maxArrayEntries` of them.
    private static func strings(_ value: JSONValue?, key: String, nonEmptyElements: Bool = false) throws(APIError) -> [String]? {
        guard let value = present(value) else { return nil }
        guard case .array(let array) = value else { throw .invalidFilter("\(key) must be an array of strings, got \(value.description)") }
        guard array.count <= maxArrayEntries else {
            throw .invalidFilter(
                "\(key) has \(array.count) entries, more than the limit of \(maxArrayEntries): split the request into several smaller ones")
        }
        var result: [String] = []
        result.reserveCapacity(array.count)
        for (index, element) in array.enumerated() {
            guard case .string(let string) = element, !(nonEmptyElements && string.isEmpty) else {
                throw .invalidFilter("\(key)[\(index)] must be a \(nonEmptyElements ? "non-empty " : "")string, got \(element.description)")
            }
            try check(string, key: "\(key)[\(index)]", limit: maxStringLength)
            result.append(string)
        }
        return result
    }

    /// Refuses U+0000 (a C string API binding the value would cut it there, and
    /// "s1\u0000x" must never select what "s1" selects) and strings over `limit` Unicode scalars.
    private static func check(_ string: String, key: String, limit: Int) throws(APIError) {
        if string.utf8.contains(0) { throw .invalidFilter("\(key) contains a NUL character (\\u0000): remove it") }
        let length = string.unicodeScalars.count
        guard length <= limit else {
            throw .invalidFilter("\(key) has \(length) characters, more than the limit of \(limit): send a shorter one")
        }
    }

    /// The ISO 8601 date at `key` as epoch milliseconds; nil when absent or null.
    private static func date(_ value: JSONValue?, key: String) throws(APIError) -> Int64? {
        let examples = "send e.g. \"2026-01-05T10:00:00Z\", \"2026-01-05T10:00:00.000+02:00\" or \"2026-01-05\""
        guard let value = present(value) else { return nil }
        guard case .string(let text) = value else {
            throw .invalidFilter("\(key) must be an ISO 8601 date-time string, got \(value.description); \(examples)")
        }
        guard let milliseconds = ISO8601.milliseconds(from: text) else {
            throw .invalidFilter("\(key) is not an ISO 8601 date-time: \(JSONValue.quotedExcerpt(text)); \(examples)")
        }
        return milliseconds
    }

    /// nil for a missing key or a JSON null, which mean the same here.
    static func present(_ value: JSONValue?) -> JSONValue? {
        guard let value, value != .null else { return nil }
        return value
    }
}
