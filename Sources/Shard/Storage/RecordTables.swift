import Wire

extension ContactFilter.Pipeline {
    /// The table this pipeline's records live in, named alike on every engine; both tables have
    /// the filterable columns org, stage_id, assigned_to, name, email, phone, tags, source,
    /// created_at, updated_at, version.
    var table: String {
        switch self {
        case .contact: "contacts"
        case .application: "applications"
        }
    }
}
