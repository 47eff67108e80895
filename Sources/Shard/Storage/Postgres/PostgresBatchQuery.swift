import PostgresDriver
import Wire

/// How a slice's batch statement (a delete's, a restore's) runs, and what its first row answers.
enum PostgresBatchQuery {
    /// Runs `sql` inside the caller's transaction, under the plan every batch gets.
    ///
    /// A batch reads by index, never a whole table, so its cost does not grow with the table.
    /// One plan for every batch, the generic one: left to choose, the server plans the first
    /// five batches, and any after an ANALYZE, with their values, and such a plan may sort
    /// every remaining match of the org for each batch. And no sequential scan: not knowing
    /// how wide a batch's range is, the generic plan sometimes read all of `messages` for each
    /// batch. What each cost: docs/benchmarks.md, "Where the delete's time went".
    ///
    /// And room in memory for what one step hands the next: a restorable delete's batch holds the
    /// whole rows it deleted until they are copied (a restore's, the kept rows it takes), which
    /// for a batch of thousands of contacts' messages is more than the default 4 MB, and spilled
    /// to a temporary file.
    static func run(_ sql: String, _ bindings: [PostgresValue], on connection: PostgresConnection) throws -> PostgresResult {
        try connection.execute("SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off; SET LOCAL work_mem = '64MB'")
        return try connection.query(sql, bindings)
    }

    /// What an audit entry of a restorable delete or a restore keeps of its record, from the
    /// record's columns: its name, email and phone, as a JSON object.
    static let snapshot = """
        '{"name":' || to_json(name)::text || ',"email":' || to_json(email)::text || ',"phone":' || to_json(phone)::text || '}'
        """

    /// Adds what a batch's first row counts (chosen, deleted or restored, conversations, messages,
    /// audit entries, notifications, events, applications of the contacts) to `counters`; how
    /// many records the batch chose.
    static func count(_ counts: PostgresResult, into counters: inout DeleteCounters) -> Int {
        counters.deleted += UInt64(counts.integer(0, 1))
        counters.conversations += UInt64(counts.integer(0, 2))
        counters.messages += UInt64(counts.integer(0, 3))
        counters.auditEntries += UInt64(counts.integer(0, 4))
        counters.notifications += UInt64(counts.integer(0, 5))
        counters.events += UInt64(counts.integer(0, 6))
        counters.applications += UInt64(counts.integer(0, 7))
        return Int(counts.integer(0, 0))
    }
}
