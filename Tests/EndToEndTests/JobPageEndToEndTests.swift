import Foundation
import Synchronization
import TestSupport
import Testing

/// `GET /jobs/{jobId}` in headless Chromium against a real cluster: the page, loaded while a job
/// runs, follows it to the end from the API and the event stream, and shows what the job did.
@Suite(.serialized) struct JobPageEndToEndTests {
    @Test func thePageWatchesAJobFinishAndShowsWhatItDid() throws {
        let (cluster, admin) = try TestCluster.seeded(shards: 2, contacts: 200)
        defer { cluster.stop() }
        let page = try cluster.get("/jobs/anything")
        #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.headers["content-security-policy"]?.contains("connect-src 'self'") == true)
        #expect(!page.body.contains("src=\"http") && !page.body.contains("href=\"http"), "the page loads nothing from elsewhere")

        // The browser first (on a loaded machine its start can take longer than the job), and the job
        // throttled to 5 s, so that the page sees it run before it ends.
        let browser = try HeadlessChromium()
        let started = try cluster.send(
            "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"requestsPerSecond":40}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        try browser.open("http://127.0.0.1:\(cluster.port)/jobs/\(jobId)#token=\(admin)")
        func text(_ id: String) throws -> String { try browser.evaluate("document.getElementById('\(id)').textContent") as? String ?? "" }

        let ended = try eventually(timeout: .seconds(30)) { try text("status") == "completed" }
        let (status, seen, summary) = (try text("status"), try text("seen"), try text("summary"))
        #expect(ended, "the page never showed the job completed: status \(status), seen \(seen)")
        let job = try cluster.waitForJob(jobId, token: admin)
        let cascade = try #require(job["cascade"] as? [String: Any])
        #expect(seen.hasSuffix("running → completed"), "it watched the job run: \(seen)")
        #expect(try text("deleted") == "200")
        #expect(try text("messages") == NumberFormatter.localizedString(from: (cascade["messages"] as? Int ?? -1) as NSNumber, number: .decimal))
        #expect(try text("applications") == "\(cascade["applications"] as? Int ?? -1)")
        #expect(summary.hasPrefix("200 of 200 processed · 100.0%"), "\(summary)")
        #expect(try browser.evaluate("document.querySelectorAll('#shards tr').length") as? Int == 2)
        #expect(try browser.evaluate("document.getElementById('overall-bar').style.width") as? String == "100%")
        #expect(try text("errors") == "none")
        #expect(try browser.evaluate("document.getElementById('cancel').disabled") as? Bool == true)
        #expect(try browser.evaluate("location.hash") as? String == "", "the token left the address bar once read")

        // A tab of its own has no token: the page asks for one and shows nothing.
        try browser.open("http://127.0.0.1:\(cluster.port)/jobs/\(jobId)")
        let asked = try eventually(timeout: .seconds(10)) { try text("status") == "needs a token" }
        #expect(asked)
        #expect(try browser.evaluate("document.getElementById('auth').hidden") as? Bool == false)
        #expect(try browser.evaluate("document.getElementById('job').hidden") as? Bool == true)
    }

    /// The page's restore, in Chromium against a listener that answers as the gateway would (no
    /// cluster: each state of a delete is one answer): a finished restorable delete offers the
    /// restore and, once confirmed, posts it and links the new job; a permanent, expired or already
    /// restored delete offers none; a restore's page says restored and links its delete.
    @Test func aRestorableDeleteOffersARestoreThatLinksTheNewJobAndNoOtherDoes() throws {
        let page = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/Gateway/Resources/job.html"), encoding: .utf8)
        let restored = RestoreRequests()
        let listener = try RecordingHTTPListener { request in
            let target = request.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            if target.hasPrefix("/jobs/") { return Self.http("200 OK", "text/html; charset=utf-8", page) }
            if request.hasPrefix("POST /api/contacts/bulk-job/restorable/restore ") {
                restored.count.withLock { $0 += 1 }
                return Self.http("202 Accepted", "application/json", #"{"jobId":"r1","message":"Restore started"}"#)
            }
            let id = target.hasPrefix("/api/contacts/bulk-job/") ? String(target.dropFirst("/api/contacts/bulk-job/".count)) : ""
            guard let job = Self.job(id, restored: restored.count.withLock { $0 } > 0) else {
                return Self.http("404 Not Found", "application/json", #"{"error":"Not found","message":"none"}"#)
            }
            return Self.http("200 OK", "application/json", job)
        }
        defer { listener.stop() }
        let browser = try HeadlessChromium()
        func open(_ id: String) throws {
            try browser.open("http://127.0.0.1:\(listener.port)/jobs/\(id)#token=t0")
            let shown = try eventually(timeout: .seconds(20)) { try browser.evaluate("document.getElementById('status').textContent") as? String == "completed" }
            #expect(shown, "the page of \(id) never showed its job")
        }
        func text(_ id: String) throws -> String { try browser.evaluate("document.getElementById('\(id)').textContent") as? String ?? "" }
        func hidden(_ id: String) throws -> Bool? { try browser.evaluate("document.getElementById('\(id)').hidden") as? Bool }

        for id in ["permanent", "expired", "already-restored"] {
            try open(id)
            #expect(try hidden("restore") == true, "\(id) offered a restore")
            if id == "expired" { #expect(try text("restore-state").hasPrefix("No longer restorable: its window closed at ")) }
        }
        #expect(try text("restore-state") == "Restored by r0.")
        #expect(try browser.evaluate("document.querySelector('#restore-state a').getAttribute('href')") as? String == "/jobs/r0")

        // A window that closes while the page is open takes the button with it.
        try open("closing")
        #expect(try hidden("restore") == false)
        let closed = try eventually(timeout: .seconds(10)) { try hidden("restore") == true }
        #expect(closed, "the button outlived the window")
        #expect(try text("restore-state").hasPrefix("No longer restorable"))

        try open("restorable")
        #expect(try hidden("restore") == false)
        #expect(try text("restore-state").hasPrefix("Restorable until "))
        // Headless, a confirmation would wait for ever: the test answers it, as a user clicking OK.
        // Clicked twice at once: the second click comes while the first one's request is out.
        _ = try browser.evaluate(
            "window.confirm = () => true; document.getElementById('restore').click(); document.getElementById('restore').click()")
        let linked = try eventually(timeout: .seconds(10)) { try hidden("restore-started") == false }
        #expect(linked, "the page never showed the restore it started")
        #expect(try text("restore-link") == "r1")
        #expect(try browser.evaluate("document.getElementById('restore-link').getAttribute('href')") as? String == "/jobs/r1")
        #expect(try hidden("restore") == true)
        #expect(restored.count.withLock { $0 } == 1)
        #expect(listener.text.contains("POST /api/contacts/bulk-job/restorable/restore HTTP/1.1"), "the restore was not posted")
        #expect(listener.text.lowercased().contains("\r\nidempotency-key: restore-"), "the restore was posted without an Idempotency-Key")
        // Its next poll shows the delete restored by the new job.
        let named = try eventually(timeout: .seconds(10)) { try text("restore-state") == "Restored by r1." }
        #expect(named)

        try open("r1")
        #expect(try [text("kind"), text("done-label"), text("deleted")] == ["Restore", "Restored", "3"])
        #expect(try text("restore-state") == "Restores the records of delete restorable.")
        #expect(try browser.evaluate("document.querySelector('#restore-state a').getAttribute('href')") as? String == "/jobs/restorable")
        #expect(try hidden("restore") == true)
    }

    /// A finished job of 3 records as the API shows it: the delete `id` names (its restore window open,
    /// closed, closing in 5 s, or none), or the restore r1; nil for any other id. `restored`: the restore of `restorable` has started.
    private static func job(_ id: String, restored: Bool) -> String? {
        let future = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
        let past = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60))
        let soon = ISO8601DateFormatter().string(from: Date().addingTimeInterval(5))
        let kindFields: String
        switch id {
        case "restorable": kindFields = restored ? #""permanent":false,"restorableUntil":null,"restoredBy":"r1""#
            : #""permanent":false,"restorableUntil":"\#(future)","restoredBy":null"#
        case "permanent": kindFields = #""permanent":true,"restorableUntil":null,"restoredBy":null"#
        case "expired": kindFields = #""permanent":false,"restorableUntil":"\#(past)","restoredBy":null"#
        case "closing": kindFields = #""permanent":false,"restorableUntil":"\#(soon)","restoredBy":null"#
        case "already-restored": kindFields = #""permanent":false,"restorableUntil":null,"restoredBy":"r0""#
        case "r1": kindFields = #""restores":"restorable""#
        default: return nil
        }
        let type = id == "r1" ? "restore" : "delete"
        let done = id == "r1" ? "restored" : "deleted"
        return """
            {"jobId":"\(id)","type":"\(type)","status":"completed",\(kindFields),"total":3,"processed":3,"\(done)":3,"skipped":0,"failed":0,\
            "percent":100.0,"ratePerSecond":null,"etaSeconds":0,"cascade":{"conversations":0,"messages":0,"auditEntries":3,"notifications":0,\
            "events":3,"applications":0},"requestsPerSecond":-1,"shards":[{"shard":0,"status":"completed","total":3,"processed":3,"\(done)":3,\
            "restarts":0}],"errors":[],"filter":{"orgWide":true},"ignoredKeys":[],"requestedBy":"u1","createdAt":"\(past)",\
            "startedAt":"\(past)","updatedAt":"\(past)","finishedAt":"\(past)"}
            """
    }

    private static func http(_ status: String, _ type: String, _ body: String) -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
    }
}

/// How many restores the fake gateway was asked for: a class, since an escaping closure cannot capture a `Mutex` itself.
private final class RestoreRequests: Sendable {
    let count = Mutex(0)
}
