import Wire

/// What counting an org's contacts by a column reads, whichever engine: one `GROUP BY` over the
/// contacts index that leads with (org, column) (`contacts_by_stage`, `contacts_by_assignee`),
/// the largest groups first, one more than a shard sends so that it knows it left some out.
enum ContactGroupQuery {
    /// The SQL, with `org` and `limit` the engine's placeholders for the org and the row limit.
    static func sql(_ by: ContactGrouping, org: String, limit: String) -> String {
        let column = column(by)
        // `IS NULL` sorts the nil key last on both engines (SQLite puts NULL first, PostgreSQL last).
        return """
            SELECT \(column), count(*) FROM contacts WHERE org = \(org) GROUP BY \(column) \
            ORDER BY count(*) DESC, \(column) IS NULL, \(column) LIMIT \(limit)
            """
    }

    /// Rows to read: one past `StatsGroups.perShard`, the sign that the shard has more.
    static let rowsToRead = Int64(StatsGroups.perShard + 1)

    /// The shard's answer from its rows in order, each given by `next` (nil: no more), until the answer is full.
    static func answer(_ next: () throws -> ContactGroup?) rethrows -> ContactGroups {
        var collector = ContactGroups.Collector(limit: StatsGroups.perShard)
        while let group = try next() { guard collector.add(group) else { break } }
        return collector.answer
    }

    private static func column(_ by: ContactGrouping) -> String {
        switch by {
        case .stage: "stage_id"
        case .owner: "assigned_to"
        }
    }
}
