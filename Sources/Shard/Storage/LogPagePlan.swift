import Wire

/// What a log page reads, whichever engine: the table, the columns of a
/// `LogEntry` in order (seq, type, job id, actor, record id, snapshot,
/// created at), and the equalities that select the org's entries.
struct LogPagePlan {
    let table: String
    let columns: String
    /// Each `column = value`, the org first.
    let equalities: [(column: String, value: String)]

    init(_ query: LogQuery) {
        var equalities = [(column: "org", value: query.org)]
        switch query.kind {
        case .auditEntries:
            table = "audit_entries"
            columns = "seq, type, job_id, actor, record_id, snapshot, created_at"
            if let type = query.type { equalities.append(("type", type)) }
            if let jobId = query.jobId { equalities.append(("job_id", jobId)) }
        case .notifications:
            table = "notifications"
            columns = "seq, type, job_id, user_id, record_id, '', created_at"
            equalities.append(("user_id", query.userId ?? ""))
        }
        self.equalities = equalities
    }

    /// A page being filled: cut at `LogPage.byteBudget`, when `next` holds the last position taken.
    struct Page {
        let total: UInt64
        private var entries: [LogEntry] = []
        private var bytes = 0
        private var cut = false

        init(total: UInt64) {
            self.total = total
        }

        /// Takes `entry`, or refuses it (false) when it would overrun the byte budget: the page is full.
        mutating func add(_ entry: LogEntry) -> Bool {
            bytes += entry.encodedSize
            if !entries.isEmpty && bytes > LogPage.byteBudget {
                cut = true
                return false
            }
            entries.append(entry)
            return true
        }

        var result: LogPage {
            LogPage(total: total, entries: entries, next: cut ? [entries[entries.count - 1].seq] : nil)
        }
    }
}
