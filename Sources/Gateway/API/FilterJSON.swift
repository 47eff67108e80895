import Wire
import WireRuntime

/// A parsed filter as a job shows it: canonical JSON built from the values,
/// never the request's raw body, so a job document is well formed and small
/// whatever the body held (odd spacing, a trailing comma the lenient parser
/// took, unknown keys padded to a megabyte).
///
/// Keys in a fixed order; `pipelineType` always; `stageIds` unless the filter
/// is org-wide; `ownerFilter` and `advancedParams` only when set. Parsing the
/// result with `FilterParser` gives the same filter back.
enum FilterJSON {
    static func render(_ filter: ContactFilter) -> String {
        var fields = ["\"pipelineType\":\(filter.pipeline == .application ? "\"Application\"" : "\"Contact\"")"]
        if filter.orgWide {
            fields.append("\"orgWide\":true")
        } else {
            fields.append("\"stageIds\":\(strings(filter.stageIds))")
        }
        switch filter.owner {
        case .owned: fields.append("\"ownerFilter\":\"owned\"")
        case .unowned: fields.append("\"ownerFilter\":\"unowned\"")
        case .mine: fields.append("\"ownerFilter\":\"mine\"")
        case nil: break
        }
        var advanced: [String] = []
        for (key, date) in [("createdAfter", filter.createdAfter), ("createdBefore", filter.createdBefore),
                            ("updatedAfter", filter.updatedAfter), ("updatedBefore", filter.updatedBefore)] {
            if let date { advanced.append("\"\(key)\":\(JSONText.quoted(ISO8601.string(fromMilliseconds: date)))") }
        }
        if !filter.tagsAny.isEmpty { advanced.append("\"tags\":\(strings(filter.tagsAny))") }
        if !filter.tagsAll.isEmpty { advanced.append("\"tagsAll\":\(strings(filter.tagsAll))") }
        if let source = filter.source { advanced.append("\"source\":\(JSONText.quoted(source))") }
        if let assignedTo = filter.assignedTo { advanced.append("\"assignedTo\":\(strings(assignedTo))") }
        if let search = filter.search { advanced.append("\"search\":\(JSONText.quoted(search))") }
        if !advanced.isEmpty { fields.append("\"advancedParams\":{\(advanced.joined(separator: ","))}") }
        return "{\(fields.joined(separator: ","))}"
    }

    private static func strings(_ values: [String]) -> String {
        "[\(values.map(JSONText.quoted).joined(separator: ","))]"
    }
}
