import Foundation
import Wire
import WireRuntime

/// A job document in the shape API.md gives it.
enum JobJSON {
    /// While some shard has not counted its matches yet, `total`, `percent` and
    /// `etaSeconds` are null ("still counting"), never a smaller number that
    /// later grows; a running job is never at 100 %. `now` (epoch ms) decides whether a
    /// delete's window has ended.
    static func render(_ job: JobDocument, at now: Int64 = JobJSON.now()) -> String {
        let counters = job.counters
        let finished = job.status.isFinished
        let counted = finished || job.totalKnown
        let share = counters.total == 0 ? (finished ? 100 : 0) : Double(counters.processed) * 100 / Double(counters.total)
        let percent: String
        let eta: String
        if !counted {
            percent = "null"
            eta = "null"
        } else if finished {
            percent = number(share)
            eta = "0"
        } else {
            // One decimal: 99.96 would print as 100.0.
            percent = number(min(share, Self.mostWhileRunning))
            eta = job.ratePerSecond.flatMap { $0 > 0 ? number(Double(counters.remaining) / $0) : nil } ?? "null"
        }
        let done = doneName(job.kind)
        let shards = job.shards.map { slice in
            """
            {"shard":\(slice.shard),"status":"\(slice.status)","total":\(slice.counters.total),"processed":\(slice.counters.processed),\
            "\(done)":\(slice.counters.deleted),"restarts":\(slice.restarts)}
            """
        }.joined(separator: ",")
        let errors = job.errors.map { "{\"contactId\":\(JSONText.quoted($0.recordId)),\"message\":\(JSONText.quoted($0.message))}" }
            .joined(separator: ",")
        return """
            {"jobId":\(JSONText.quoted(job.jobId)),"type":"\(job.kind)","status":"\(job.status)",\(kindFields(job, at: now))\
            "total":\(counted ? "\(counters.total)" : "null"),"processed":\(counters.processed),"\(done)":\(counters.deleted),\
            "skipped":\(counters.skipped),"failed":\(counters.failed),"percent":\(percent),\
            "ratePerSecond":\(job.ratePerSecond.map(number) ?? "null"),"etaSeconds":\(eta),\
            "cascade":{"conversations":\(counters.conversations),"messages":\(counters.messages),\
            "auditEntries":\(counters.auditEntries),"notifications":\(counters.notifications),"events":\(counters.events),\
            "applications":\(counters.applications)},\
            "requestsPerSecond":\(Throttle.json(job.requestsPerSecond)),\
            "shards":[\(shards)],"errors":[\(errors)],"filter":\(filter(job)),"ignoredKeys":\(JSONText.array(job.ignoredKeys)),\
            "requestedBy":\(JSONText.quoted(job.requestedBy)),\
            "createdAt":\(time(job.createdAt)),"startedAt":\(time(job.startedAt)),"updatedAt":\(time(job.updatedAt)),\
            "finishedAt":\(time(job.finishedAt))}
            """
    }

    /// The highest `percent` a running job shows.
    static let mostWhileRunning = 99.9

    /// The counter of the records a job of `kind` did its work on (`DeleteCounters.deleted`), as the
    /// document names it: a restore puts records back, it deletes none.
    private static func doneName(_ kind: JobKind) -> String {
        switch kind {
        case .delete: "deleted"
        case .restore: "restored"
        }
    }

    /// Until when delete `job` can be restored, as of `now`; nil once that can no longer be asked
    /// for: permanent, restored, purged, its window over (also while a purge that ends it is late,
    /// a shard being down), and while it runs.
    static func restorableUntil(_ job: JobDocument, at now: Int64) -> Int64? {
        guard job.kind == .delete, !job.permanent, !job.purged, job.restoredBy == nil, let until = job.restorableUntil, now < until else {
            return nil
        }
        return until
    }

    /// Wall-clock epoch milliseconds, as the documents' stamps are.
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The fields only a job of its kind has, each followed by a comma. A delete: whether it kept
    /// anything, until when it can be restored (`restorableUntil`) and the restore started for it.
    /// A restore: its delete.
    private static func kindFields(_ job: JobDocument, at now: Int64) -> String {
        switch job.kind {
        case .delete:
            let restorable = restorableUntil(job, at: now)
            return "\"permanent\":\(job.permanent),\"restorableUntil\":\(time(restorable)),\"restoredBy\":\(quoted(job.restoredBy)),"
        case .restore:
            return "\"restores\":\(quoted(job.restores)),"
        }
    }

    /// The filter as the job keeps it. A restore is sent without one, for the registry to copy its
    /// delete's; should a document ever come without, `{}` keeps it JSON, since the text is spliced in
    /// as it is, and one bad document would make every page of the org's job list unreadable.
    private static func filter(_ job: JobDocument) -> String {
        job.filterJSON.isEmpty ? "{}" : job.filterJSON
    }

    /// Epoch milliseconds as an ISO 8601 string; null for nil.
    private static func time(_ milliseconds: Int64?) -> String {
        milliseconds.map { JSONText.quoted(ISO8601.string(fromMilliseconds: $0)) } ?? "null"
    }

    private static func quoted(_ text: String?) -> String {
        text.map(JSONText.quoted) ?? "null"
    }

    /// One decimal, as JSON: 50.0, 21000.3.
    private static func number(_ value: Double) -> String {
        "\((value * 10).rounded() / 10)"
    }
}
