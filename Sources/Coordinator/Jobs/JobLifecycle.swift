import Wire

/// The lines a job's life writes to the coordinator's log: created (by whom, the filter's shape;
/// a permanent delete says so, a restore names its delete),
/// started, each shard's slice finished, and how it ended, with counts; never a line per progress
/// report, and never a filter's values (`FilterShape`). Every line names the job and its org.
/// Who cancelled or rethrottled a job is not in its document: `JobRequestLines` says it.
///
/// Pure: the coordinator hands it every saved revision of every job, and it says what changed
/// since the revision before. A job it first sees past its first revision (after a coordinator
/// restart) is only remembered, so nothing is announced twice.
struct JobLifecycle {
    private var last: [String: JobDocument] = [:]

    mutating func lines(for document: JobDocument) -> [String] {
        let job = Self.name(document)
        let before = last[document.jobId]
        var lines: [String] = []
        if before == nil && document.revision == 1 {
            let what = document.restores.map { "restores job \($0), kept by filter " } ?? "filter "
            let filter = FilterShape.describe(document.filterJSON)
            lines.append("\(job) created by \(document.requestedBy): \(what)\(filter)\(document.permanent ? ", permanent" : "")")
        }
        if let before {
            if before.status == .queued && document.status != .queued && !document.status.isFinished {
                lines.append("\(job) started on \(document.shards.count) shards")
            }
            for slice in document.shards where slice.status.isFinished {
                guard let earlier = before.shards.first(where: { $0.shard == slice.shard }), !earlier.status.isFinished else { continue }
                lines.append("\(job): shard \(slice.shard) \(slice.status): \(Self.describe(slice.counters, of: document.kind))")
            }
        }
        if document.status.isFinished {
            if before.map({ !$0.status.isFinished }) ?? (document.revision == 1) {
                let took = document.startedAt.map { " in \(Self.seconds(from: $0, to: document.finishedAt ?? document.updatedAt)) s" } ?? ""
                lines.append("\(job) \(document.status)\(took): \(Self.describe(document.counters, of: document.kind))")
            }
            last[document.jobId] = nil
        } else {
            last[document.jobId] = document
        }
        return lines
    }

    /// How every line about a job begins: its id and its org, so a text log can be searched by either.
    static func name(_ document: JobDocument) -> String {
        "job \(document.jobId) of org \(document.org)"
    }

    /// The counts of a job of `kind`: a restore's `deleted` counts what it put back.
    private static func describe(_ counters: DeleteCounters, of kind: JobKind) -> String {
        let done = switch kind {
        case .delete: "deleted"
        case .restore: "restored"
        }
        return """
        \(counters.processed) of \(counters.total) processed: \(counters.deleted) \(done), \(counters.skipped) skipped, \
        \(counters.failed) failed; cascade: \(counters.conversations) conversations, \(counters.messages) messages, \
        \(counters.applications) applications, \(counters.auditEntries) audit entries, \(counters.notifications) notifications, \
        \(counters.events) events
        """
    }

    /// Milliseconds between two instants, as seconds with one decimal.
    private static func seconds(from start: Int64, to end: Int64) -> String {
        let tenths = max(0, end - start) / 100
        return "\(tenths / 10).\(tenths % 10)"
    }
}
