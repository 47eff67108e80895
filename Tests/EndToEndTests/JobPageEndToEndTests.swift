import Foundation
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
}
