import Wire

extension ShardStore {
    /// Up to `limit` entries of this shard after sequence number `after`, oldest first, and how
    /// many match in all; cut at `LogPage.byteBudget`, when `next` holds the last position taken.
    func logPage(_ query: LogQuery, after: Int64, limit: Int) throws -> LogPage {
        var conditions = ["org = ?"]
        var bindings: [SQLValue] = [.text(query.org)]
        let table: String
        let columns: String
        switch query.kind {
        case .auditEntries:
            table = "audit_entries"
            columns = "seq, type, job_id, actor, record_id, snapshot, created_at"
            if let type = query.type {
                conditions.append("type = ?")
                bindings.append(.text(type))
            }
            if let jobId = query.jobId {
                conditions.append("job_id = ?")
                bindings.append(.text(jobId))
            }
        case .notifications:
            table = "notifications"
            columns = "seq, type, job_id, user_id, record_id, '', created_at"
            conditions.append("user_id = ?")
            bindings.append(.text(query.userId ?? ""))
        }
        let predicate = conditions.joined(separator: " AND ")
        let total = try database.scalar("SELECT count(*) FROM \(table) WHERE \(predicate)", bindings)
        let read = try cachedStatement("SELECT \(columns) FROM \(table) WHERE \(predicate) AND seq > ? ORDER BY seq LIMIT ?")
        try read.bind(bindings + [.integer(after), .integer(Int64(limit))])
        var entries: [LogEntry] = []
        var bytes = 0
        while try read.step() {
            let entry = LogEntry(
                shard: UInt32(index), seq: read.integer(0), type: read.text(1), jobId: read.text(2), actor: read.text(3),
                recordId: read.text(4), snapshot: read.text(5), createdAt: read.integer(6))
            bytes += entry.encodedSize
            if !entries.isEmpty && bytes > LogPage.byteBudget {
                return LogPage(total: UInt64(total), entries: entries, next: [entries[entries.count - 1].seq])
            }
            entries.append(entry)
        }
        return LogPage(total: UInt64(total), entries: entries, next: nil)
    }
}
