/// What a permanent delete may keep of its filter: it keeps nothing personal, and `search` (a
/// substring of a name, an email or a phone) is personal when a caller looks for one person.
extension ContactFilter {
    /// What stands in for a search term that may no longer be kept, in the filter and as the job shows it.
    package static let redactedSearch = "(redacted)"

    /// The filter with its search term, if any, replaced by `redactedSearch`: for what no one
    /// runs again (a finished slice, a finished job). A placeholder rather than no term: without
    /// its search condition the filter would read as a wider one than the job ran.
    package var redacted: ContactFilter {
        var filter = self
        if search != nil { filter.search = Self.redactedSearch }
        return filter
    }
}
