import Foundation
import TestSupport
import Testing

/// `scripts/tether` against a real cluster, found from `TETHER_DATA` alone (its URL from the port
/// the cluster recorded, its token minted from the cluster's secret): each command, and the exit
/// status that says how a watched job ended.
@Suite(.serialized) struct TetherCLIEndToEndTests {
    @Test func deletesCountsListsWatchesAndCancelsWithExitStatusesThatSayHowJobsEnded() throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: 60)
        defer { cluster.stop() }
        func tether(_ arguments: String...) throws -> (status: Int32, output: String) {
            try cluster.script("tether", ["--org", "org-a"] + arguments)
        }

        #expect(try tether("count", #"{"orgWide":true}"#) == (0, "60\n"))
        let dryRun = try tether("delete", #"{"stageIds":["s0"]}"#, "--dry-run")
        #expect(dryRun.status == 0 && dryRun.output.contains("20 records of org org-a match"), "\(dryRun.output)")
        #expect(dryRun.output.contains("a dry run: nothing was deleted"), "\(dryRun.output)")
        let refused = try tether("delete", #"{"orgWide":true}"#, "--expected", "5")
        #expect(refused.status == 1 && refused.output.contains("answered 409"), "\(refused.output)")
        let notJSON = try tether("count", "{stageIds")
        #expect(notJSON.status == 1 && notJSON.output.contains("the filter is not JSON"), "\(notJSON.output)")
        let usage = try tether("explode")
        #expect(usage.status == 2, "\(usage.output)")
        let noOrg = try cluster.script("tether", ["count", #"{"orgWide":true}"#])
        #expect(noOrg.status == 1 && noOrg.output.contains("no token"), "\(noOrg.output)")

        // A job cancelled while throttled ends its watch with 5.
        let slow = try tether("delete", #"{"stageIds":["s1"]}"#, "--throttle", "2", "--yes")
        #expect(slow.status == 0, "\(slow.output)")
        let slowId = try #require(Self.jobId(in: slow.output), "\(slow.output)")
        let cancel = try tether("cancel", slowId)
        #expect(cancel.status == 0 && cancel.output.contains("cancelling"), "\(cancel.output)")
        let cancelled = try tether("job", slowId, "--watch")
        #expect(cancelled.status == 5, "\(cancelled.output)")
        #expect(cancelled.output.contains("job \(slowId) cancelled"), "\(cancelled.output)")

        // The rest, watched to the end: piped, plain lines and a summary; 0 for completed.
        let watched = try tether("delete", #"{"orgWide":true}"#, "--yes", "--watch")
        #expect(watched.status == 0, "\(watched.output)")
        #expect(watched.output.contains(" completed: "), "\(watched.output)")
        #expect(!watched.output.contains("\r"), "a bar drawn where the output is not a terminal")
        #expect(try cluster.send("GET", "/api/contacts/stats", token: admin).json["contacts"] as? Int == 0)

        let jobs = try tether("jobs")
        // A header line, then one line a job.
        #expect(jobs.status == 0 && jobs.output.contains(slowId) && jobs.output.split(separator: "\n").count == 3, "\(jobs.output)")
        let onlyCancelled = try tether("jobs", "--status", "cancelled")
        #expect(onlyCancelled.output.split(separator: "\n").count == 2 && onlyCancelled.output.contains(slowId), "\(onlyCancelled.output)")
    }

    /// The id of the job a `delete` started, from its line `job ID: message`.
    static func jobId(in output: String) -> String? {
        // Lines end in CR LF on a terminal: one Character in Swift, hence `isNewline`.
        output.split(whereSeparator: \.isNewline).first { $0.hasPrefix("job ") }.flatMap { $0.split(separator: " ").dropFirst().first }.map { String($0.dropLast()) }
    }
}
