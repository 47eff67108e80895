import Foundation
import Synchronization
import TestSupport
import Testing

/// `scripts/tether` against a listener that answers as the gateway would at a moment a real
/// cluster cannot be made to hold still: the first seconds of a throttled job, a match that
/// changes between the preview and the delete.
@Suite(.serialized) struct TetherCLIFakeServerTests {
    /// Runs the CLI against `answer`, with a token that needs no cluster; its status, its output and what it sent.
    private func tether(_ arguments: [String], answer: @escaping @Sendable (String) -> String) throws -> (status: Int32, output: String, sent: String) {
        let listener = try RecordingHTTPListener(answer: answer)
        defer { listener.stop() }
        let run = try runCommand(
            repositoryRoot.appendingPathComponent("scripts/tether").path, arguments,
            environment: ["TETHER_URL": "http://127.0.0.1:\(listener.port)", "TETHER_TOKEN": Self.token, "TETHER_ORG": ""])
        return (run.status, run.output, listener.text)
    }

    /// A token naming org-a (`{"orgId":"org-a"}`), which the CLI reads for its messages; the listener checks no signature.
    private static let token = "h.eyJvcmdJZCI6Im9yZy1hIn0.s"

    private static func http(_ status: String, _ body: String) -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
    }

    /// A throttled job whose first batches ran faster than its throttle: 2,000 records a second
    /// asked for, 10,989 a second measured.
    @Test func theRateShownUnderAThrottleIsTheThrottleFromTheFirstSecondAndTheTimeLeftFollowsIt() throws {
        let polls = PollCount()
        let run = try tether(["job", "j1", "--watch"]) { _ in
            let poll = polls.count.withLock { count in
                count += 1
                return count
            }
            let running = #"""
                {"jobId":"j1","status":"running","total":100000,"processed":2000,"deleted":2000,"skipped":0,"failed":0,"percent":2.0,
                "ratePerSecond":10989.0,"etaSeconds":8.9,"requestsPerSecond":2000.0,"cascade":{}}
                """#
            let done = #"""
                {"jobId":"j1","status":"completed","total":100000,"processed":100000,"deleted":100000,"skipped":0,"failed":0,
                "percent":100.0,"ratePerSecond":2000.0,"etaSeconds":0,"requestsPerSecond":2000.0,"cascade":{}}
                """#
            // Unmeasured yet (null) at first, then overstated: either way the throttle is the rate.
            let first = running.replacingOccurrences(of: #""ratePerSecond":10989.0"#, with: #""ratePerSecond":null"#)
            return Self.http("200 OK", poll == 1 ? first : poll == 2 ? running : done)
        }
        #expect(run.status == 0, "\(run.output)")
        let lines = run.output.split(separator: "\n").filter { $0.contains(" running") }
        #expect(lines.count == 2, "\(run.output)")
        // 98,000 records left at 2,000 a second: 49 s.
        #expect(lines.allSatisfy { $0.contains("2,000/s ETA 49s") }, "\(run.output)")
        #expect(!run.output.contains("10,989"), "\(run.output)")
    }

    @Test func aMatchThatChangedSinceThePreviewIsRefusedAndSaysFromWhatToWhat() throws {
        let run = try tether(["delete", #"{"stageIds":["s1"]}"#, "--yes"]) { request in
            if request.contains("dryRun") {
                return Self.http("200 OK", #"{"count":5,"sample":[{"_id":"c1","name":"Ada","stageId":"s1"}],"ignoredKeys":["note"]}"#)
            }
            if request.hasPrefix("DELETE") {
                return Self.http("409 Conflict", #"{"error":"Conflict","message":"expectedCount is 5 but 7 records match now"}"#)
            }
            return Self.http("200 OK", #"{"count":7}"#)
        }
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.contains("5 records of org org-a match") && run.output.contains("c1  Ada  stage s1"), "\(run.output)")
        #expect(run.output.contains("ignored, not part of the filter: note"), "\(run.output)")
        #expect(run.output.contains("the match changed from 5 to 7 records since the preview; nothing was deleted"), "\(run.output)")
        // The delete carried the count the preview showed.
        let deletes = run.sent.components(separatedBy: "DELETE ").dropFirst()
        #expect(deletes.count == 2 && deletes.last?.contains(#""expectedCount": 5"#) == true, "\(run.sent)")
    }

    /// A restore is a job of its own: started with a POST, followed, summed up in what it restored and
    /// the records it passed by because their id was in use again.
    @Test func restoreStartsTheRestoreOfADeleteAndWatchesItCountRestoredRecords() throws {
        let run = try tether(["restore", "d1", "--idempotency-key", "undo-1", "--watch"]) { request in
            if request.hasPrefix("POST /api/contacts/bulk-job/d1/restore ") {
                return Self.http("202 Accepted", #"{"jobId":"r1","message":"Restore started"}"#)
            }
            return Self.http("200 OK", #"""
                {"jobId":"r1","type":"restore","restores":"d1","status":"completed_with_errors","total":4,"processed":4,"restored":3,
                "skipped":1,"failed":0,"percent":100.0,"ratePerSecond":null,"etaSeconds":0,"requestsPerSecond":-1,
                "cascade":{"conversations":6,"messages":12},"errors":[{"contactId":"c9","message":"id in use"}]}
                """#)
        }
        #expect(run.status == 3, "\(run.output)")
        #expect(run.output.contains("job r1: Restore started") && run.output.contains("/jobs/r1"), "\(run.output)")
        #expect(run.output.contains("job r1 completed_with_errors: 3 restored, 1 skipped, 0 failed of 4"), "\(run.output)")
        #expect(run.output.contains("c9: id in use"), "\(run.output)")
        #expect(run.sent.hasPrefix("POST /api/contacts/bulk-job/d1/restore HTTP/1.1\r\n"), "\(run.sent)")
        #expect(run.sent.lowercased().contains("\r\nidempotency-key: undo-1\r\n"), "\(run.sent)")
    }

    @Test func aRestoreTheServerRefusesSaysWhy() throws {
        let run = try tether(["restore", "d1"]) { _ in
            Self.http("410 Gone", #"{"error":"Gone","message":"job d1 was a permanent delete: it kept nothing to restore"}"#)
        }
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.contains("410") && run.output.contains("it kept nothing to restore"), "\(run.output)")
    }

    /// `--permanent` goes in the body, and is said before the delete starts; a restorable delete's
    /// summary says until when, and how to restore it; one whose window is past (a server whose
    /// purge is late shows it) says it ended, not how to ask for a restore it would refuse.
    @Test func deletePermanentSaysSoAndSendsItAndARestorableDeleteSaysUntilWhen() throws {
        func delete(_ extra: [String], until: String = "2027-01-06T10:00:00.000Z") throws -> (status: Int32, output: String, sent: String) {
            try tether(["delete", #"{"stageIds":["s1"]}"#, "--yes", "--watch"] + extra) { request in
                if request.contains("dryRun") { return Self.http("200 OK", #"{"count":2,"sample":[],"ignoredKeys":[]}"#) }
                if request.hasPrefix("DELETE") { return Self.http("202 Accepted", #"{"jobId":"d1","message":"Bulk delete started"}"#) }
                let permanent = extra.contains("--permanent")
                return Self.http("200 OK", """
                    {"jobId":"d1","type":"delete","status":"completed","permanent":\(permanent),\
                    "restorableUntil":\(permanent ? "null" : "\"\(until)\""),"restoredBy":null,"total":2,"processed":2,\
                    "deleted":2,"skipped":0,"failed":0,"percent":100.0,"ratePerSecond":null,"etaSeconds":0,"requestsPerSecond":-1,"cascade":{}}
                    """)
            }
        }
        let permanent = try delete(["--permanent"])
        #expect(permanent.status == 0, "\(permanent.output)")
        #expect(permanent.output.contains("PERMANENT: nothing is kept to restore"), "\(permanent.output)")
        #expect(permanent.output.contains("a permanent delete: nothing was kept to restore"), "\(permanent.output)")
        let deletes = permanent.sent.components(separatedBy: "DELETE ").dropFirst()
        #expect(deletes.count == 2 && deletes.last?.contains(#""permanent": true"#) == true, "\(permanent.sent)")

        let restorable = try delete([])
        #expect(restorable.status == 0, "\(restorable.output)")
        #expect(!restorable.output.contains("PERMANENT") && !restorable.sent.contains("permanent"), "\(restorable.output)")
        #expect(restorable.output.contains("restorable until 2027-01-06T10:00:00.000Z: scripts/tether restore d1"), "\(restorable.output)")

        let ended = try delete([], until: "2026-01-06T10:00:00.000Z")
        #expect(ended.status == 0, "\(ended.output)")
        #expect(!ended.output.contains("scripts/tether restore"), "\(ended.output)")
        #expect(ended.output.contains("its restore window ended at 2026-01-06T10:00:00.000Z"), "\(ended.output)")
    }
}

/// How many polls a fake server has answered: a class, since an escaping closure cannot capture a `Mutex` itself.
private final class PollCount: Sendable {
    let count = Mutex(0)
}
