import Foundation

/// A job's filter as its log lines show it: which keys it has, how many values each list holds,
/// and the values of the few keys that only choose among fixed words (`pipelineType`,
/// `ownerFilter`, `orgWide`); never a value a tenant wrote (search terms, emails, tags, stage
/// or user ids), which anyone who reads the coordinator's log would otherwise learn.
///
/// `{"pipelineType":"Contact","stageIds":["s1","s2"],"advancedParams":{"search":"ann@x.io"}}`
/// is shown as `{advancedParams: {search}, pipelineType: Contact, stageIds: 2 values}`.
enum FilterShape {
    /// The keys whose values are fixed words of the API, safe to show.
    static let keysShownWithValues: Set<String> = ["pipelineType", "ownerFilter", "orgWide"]

    /// The shape of `filterJSON` (a job's canonical filter), keys sorted; `unreadable` when it is not a JSON object.
    static func describe(_ filterJSON: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(filterJSON.utf8)) as? [String: Any] else {
            return "unreadable"
        }
        return describe(object)
    }

    private static func describe(_ object: [String: Any]) -> String {
        let fields = object.keys.sorted().map { key -> String in
            switch object[key] {
            case let nested as [String: Any]: "\(key): \(describe(nested))"
            case let list as [Any]: "\(key): \(list.count) value\(list.count == 1 ? "" : "s")"
            case let word as String where keysShownWithValues.contains(key): "\(key): \(word)"
            case let flag as Bool where keysShownWithValues.contains(key): "\(key): \(flag)"
            default: key
            }
        }
        return "{\(fields.joined(separator: ", "))}"
    }
}
