import WireRuntime

/// What a filter body's top level does with a key that is neither the filter's nor a guard's
/// (`FilterParser.topLevelKeys`).
///
/// The original API allows any other key (`additionalProperties: true`) and most are ignored, but one
/// that was probably meant as part of the filter is refused (`.invalidFilter`, naming what was
/// meant): ignored, it would widen a delete, or run one that was meant as a preview.
/// - a near miss of a top-level key (`dryrun`, `advancedparams`, `stageId`; see `NearMiss`);
/// - a key of `advancedParams` at the top level, or a near miss of one (`tags`, `created_before`, `tag`);
/// - a common name for a preview (`preview`, `simulate`, `test`, `validateOnly`, `whatIf`);
/// - a common name for a filter's container (`advanced`, `filters`, `filter`, `where`, `query`, `criteria`);
/// - `owner`, for `ownerFilter`.
/// Aliases compare ignoring case, `_` and `-` (`validate_only`, `what-if`).
enum TopLevelKeys {
    /// Names other APIs give a preview; `dry_run` is also a near miss of `dryRun`.
    static let previewNames = ["preview", "dry_run", "simulate", "test", "validateOnly", "whatIf"]
    /// Names other APIs give the object that holds a filter's conditions.
    static let containerNames = ["advanced", "filters", "filter", "where", "query", "criteria"]
    /// The most ignored top-level keys a body may hold: a job lists them (`ignoredKeys`) in its
    /// document for a day, so the list must stay small whatever the body held.
    static let maxIgnored = 32
    /// The most Unicode scalars of an ignored key, for the same reason.
    static let maxIgnoredLength = 256

    /// Each alias (normalized) and the key it stands for.
    private static let aliases: [String: String] = {
        var aliases = ["owner": "ownerFilter"]
        for name in previewNames { aliases[normalized(name)] = "dryRun" }
        for name in containerNames { aliases[normalized(name)] = "advancedParams" }
        return aliases
    }()

    /// The keys of `object` that are ignored, sorted; throws `.invalidFilter` for a key that is
    /// refused, or when there are more or longer ones than a job can list.
    static func ignored(in object: [String: JSONValue]) throws(APIError) -> [String] {
        // Sorted, so that the error names the same key whatever order the dictionary iterates in.
        let ignored = object.keys.filter { !FilterParser.topLevelKeys.contains($0) }.sorted()
        for key in ignored {
            if let message = refusal(of: key) { throw .invalidFilter(message) }
        }
        guard ignored.count <= maxIgnored else {
            throw .invalidFilter(
                "the body has \(ignored.count) top-level keys that are not the filter's, more than the limit of \(maxIgnored) "
                    + "a job lists as ignoredKeys: remove the ones not meant for this API")
        }
        if let long = ignored.first(where: { $0.unicodeScalars.count > maxIgnoredLength }) {
            throw .invalidFilter(
                "the top-level key \(JSONValue.quotedExcerpt(long)) has \(long.unicodeScalars.count) characters, more than the limit of "
                    + "\(maxIgnoredLength) a job lists as ignoredKeys: remove it")
        }
        return ignored
    }

    /// Why `key` is refused, naming what it probably meant; nil when it is merely ignored.
    static func refusal(of key: String) -> String? {
        let quoted = JSONText.quoted(key)
        if let intended = NearMiss.suggestion(for: key, among: FilterParser.topLevelKeys) {
            return "unknown key \(quoted): did you mean \(JSONText.quoted(intended))? A key this close to one of the filter's "
                + "is refused, not ignored, so that a typo can neither widen a delete nor turn a preview into one"
        }
        let name = normalized(key)
        if let condition = FilterParser.advancedKeys.first(where: { normalized($0) == name })
            ?? NearMiss.suggestion(for: key, among: FilterParser.advancedKeys)
        {
            return "unknown key \(quoted): did you mean advancedParams.\(condition)? Conditions other than stageIds, pipelineType, "
                + "orgWide and ownerFilter go inside advancedParams, e.g. {\"stageIds\":[…],\"advancedParams\":{\"\(condition)\":…}}; "
                + "at the top level it would be ignored and match more than meant"
        }
        switch aliases[name] {
        case "dryRun":
            return "unknown key \(quoted): did you mean dryRun? Send \"dryRun\":true to count the matches and delete nothing; "
                + "under another name the preview would be ignored and the delete would run"
        case "advancedParams":
            return "unknown key \(quoted): did you mean advancedParams? Conditions other than stageIds, pipelineType, orgWide "
                + "and ownerFilter go in \"advancedParams\":{…} (\(FilterParser.advancedKeys.joined(separator: ", "))); "
                + "under another name they would be ignored and match more than meant"
        case "ownerFilter":
            return "unknown key \(quoted): did you mean ownerFilter? Send \"ownerFilter\": \"owned\", \"unowned\" or \"mine\"; "
                + "under another name it would be ignored and match more than meant"
        default:
            return nil
        }
    }

    /// `key` as aliases compare: lowercased, without `_` and `-`.
    private static func normalized(_ key: String) -> String {
        String(key.lowercased().filter { $0 != "_" && $0 != "-" })
    }
}
