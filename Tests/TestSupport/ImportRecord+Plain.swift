package import Wire

extension ImportRecord {
    /// A contact with only an id (and a name): what tests of paging and merging records need.
    package static func plain(_ id: String, name: String = "") -> ImportRecord {
        ImportRecord(
            kind: .contact, id: id, contactId: id, stageId: nil, assignedTo: nil, name: name, email: "", phone: "", tags: [], source: nil,
            createdAt: 0, updatedAt: 0, conversations: [])
    }
}
