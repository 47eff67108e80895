/// A message's case name without its values (`createDeleteJob`, `stats`): what refusals and
/// log lines name, since the values may hold a tenant's data (a filter's search term, a record).
package func caseName(of message: some Any) -> String {
    Mirror(reflecting: message).children.first?.label ?? "\(message)"
}
