import Foundation
import TestSupport
import Testing

/// `scripts/tether delete` previews before it deletes: the count and the first matches, then a
/// question on a terminal (`yes`, or the org's name for an org-wide delete), or `--yes` /
/// `--expected N` off one; a filter that matches nothing starts no job. Against a real cluster of
/// 60 contacts of org-a, 20 in each of the stages s0, s1 and s2.
@Suite(.serialized) struct TetherCLIPreviewTests {
    @Test func offATerminalADeleteNeedsYesOrExpectedAndNothingMatchingStartsNoJob() throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: 60)
        defer { cluster.stop() }
        func tether(_ arguments: String...) throws -> (status: Int32, output: String) {
            try cluster.script("tether", ["--org", "org-a"] + arguments)
        }

        let unconfirmed = try tether("delete", #"{"stageIds":["s0"]}"#)
        #expect(unconfirmed.status == 2, "\(unconfirmed.output)")
        #expect(unconfirmed.output.contains("20 records of org org-a match"), "\(unconfirmed.output)")
        #expect(unconfirmed.output.contains("pass --yes") && unconfirmed.output.contains("--expected N"), "\(unconfirmed.output)")
        let none = try tether("delete", #"{"stageIds":["no-such-stage"]}"#, "--yes")
        #expect(none.status == 0 && none.output.contains("nothing matches this filter in org org-a; no job started"), "\(none.output)")
        #expect(try jobCount(cluster, admin) == 0, "a job was started without a confirmation or with nothing to delete")

        let confirmed = try tether("delete", #"{"stageIds":["s0"]}"#, "--yes", "--watch")
        #expect(confirmed.status == 0, "\(confirmed.output)")
        let jobId = try #require(TetherCLIEndToEndTests.jobId(in: confirmed.output), "\(confirmed.output)")
        // The job's page, without the token (which would end up in the shell's history and the terminal's scrollback).
        #expect(confirmed.output.contains("its page: http://127.0.0.1:\(cluster.port)/jobs/\(jobId) "), "\(confirmed.output)")
        #expect(!confirmed.output.contains("#token=ey"), "\(confirmed.output)")
        #expect(try cluster.send("POST", "/api/contacts/query-count", token: admin, body: #"{"orgWide":true}"#).json["count"] as? Int == 40)
        let expected = try tether("delete", #"{"stageIds":["s1"]}"#, "--expected", "20")
        #expect(expected.status == 0 && expected.output.contains("job "), "\(expected.output)")
    }

    @Test func onATerminalItAsksYesOrTheOrgsNameAndAnythingElseAbortsWithNoJob() throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: 60)
        defer { cluster.stop() }
        func onTerminal(_ filter: String, answer: String) throws -> (status: Int32, output: String) {
            try cluster.tetherOnTerminal(["--org", "org-a", "delete", filter, "--watch"], steps: [TerminalStep(expect: "Type ", send: answer + "\n")])
        }

        let declined = try onTerminal(#"{"stageIds":["s0"]}"#, answer: "y")
        #expect(declined.status == 6, "\(declined.output)")
        #expect(declined.output.contains("20 records of org org-a match") && declined.output.contains("Type yes to delete these 20 records"),
                "\(declined.output)")
        #expect(declined.output.contains("  ... and 15 more"), "\(declined.output)")
        #expect(declined.output.contains("aborted") && declined.output.contains("no job started"), "\(declined.output)")
        let orgWideYes = try onTerminal(#"{"orgWide":true}"#, answer: "yes")
        #expect(orgWideYes.status == 6 && orgWideYes.output.contains("Type the org's name to go on"), "\(orgWideYes.output)")
        #expect(try jobCount(cluster, admin) == 0, "a job was started that no one confirmed")

        let accepted = try onTerminal(#"{"stageIds":["s0"]}"#, answer: "yes")
        #expect(accepted.status == 0 && accepted.output.contains(" completed: 20 deleted"), "\(accepted.output)")
        let orgWide = try onTerminal(#"{"orgWide":true}"#, answer: "org-a")
        #expect(orgWide.status == 0 && orgWide.output.contains(" completed: 40 deleted"), "\(orgWide.output)")
        #expect(try cluster.send("POST", "/api/contacts/query-count", token: admin, body: #"{"orgWide":true}"#).json["count"] as? Int == 0)
    }

    @Test func ctrlCWhileWatchingSaysTheJobGoesOnAndHowToCancelIt() throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: 30)
        defer { cluster.stop() }
        // One record a second: the job still runs when the first progress line ("%") is drawn and Ctrl-C comes.
        let run = try cluster.tetherOnTerminal(
            ["--org", "org-a", "delete", #"{"stageIds":["s1"]}"#, "--throttle", "1", "--yes", "--watch"],
            steps: [TerminalStep(expect: "%", send: "\u{3}")])
        #expect(run.status == 130, "\(run.output)")
        let jobId = try #require(TetherCLIEndToEndTests.jobId(in: run.output), "\(run.output)")
        #expect(run.output.contains("stopped watching; job \(jobId) goes on. To cancel it: scripts/tether --org org-a cancel \(jobId)"),
                "\(run.output)")
        let job = try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: admin).json
        #expect(["queued", "running"].contains(job["status"] as? String ?? ""), "\(job)")
        let cancel = try cluster.script("tether", ["--org", "org-a", "cancel", jobId])
        #expect(cancel.status == 0, "\(cancel.output)")
    }

    private func jobCount(_ cluster: TestCluster, _ token: String) throws -> Int {
        (try cluster.send("GET", "/api/contacts/bulk-jobs", token: token).json["jobs"] as? [Any])?.count ?? -1
    }
}

extension TestCluster {
    /// `scripts/tether` with `arguments` on a pseudo-terminal, against this cluster, playing `steps`.
    func tetherOnTerminal(_ arguments: [String], steps: [TerminalStep]) throws -> (status: Int32, output: String) {
        try runOnTerminal(
            repositoryRoot.appendingPathComponent("scripts/tether").path, arguments, steps: steps,
            environment: ["TETHER_BIN": binaries, "TETHER_DATA": data].merging(environment) { _, new in new }, outputIn: data)
    }
}
