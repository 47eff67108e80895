import Foundation
import TestSupport
import Testing

/// What operators do with `scripts/tether` besides a delete: read a contact, list jobs with who
/// asked and what for, retry safely (`--idempotency-key`), rethrottle, follow a job from a pipe,
/// and pipe into `head`. Against a real cluster of 60 contacts of org-a (stages s0, s1, s2: 20 each).
@Suite(.serialized) struct TetherCLIOperatorTests {
    @Test func contactJobsListRequesterIdempotencyRethrottleAndPipedWatch() throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: 60)
        defer { cluster.stop() }
        // The operator's login name, which a minted token names when --user is not given.
        func tether(_ arguments: String...) throws -> (status: Int32, output: String) {
            try cluster.script("tether", ["--org", "org-a"] + arguments, environment: ["USER": "grace", "LOGNAME": "grace"])
        }

        let contactId = String(format: "%08x%016x", 1, 3)
        let contact = try tether("contact", contactId)
        #expect(contact.status == 0 && contact.output.contains("\n  \"_id\": \"\(contactId)\""), "\(contact.output)")
        #expect(contact.output.contains("\"conversationCount\": 2"), "\(contact.output)")
        #expect(try tether("contact", String(repeating: "f", count: 24)).status == 1)

        // The list: a header, then who asked, the filter's shape (no values) and the counts.
        let vip = try tether("--user", "ada", "delete", #"{"stageIds":["s0"],"advancedParams":{"tags":["vip"]}}"#, "--yes", "--watch")
        #expect(vip.status == 0, "\(vip.output)")
        let vipId = try #require(TetherCLIEndToEndTests.jobId(in: vip.output))

        // Piped, --watch prints a line every second and each change of status: a job of about 4 s shows several.
        let started = ContinuousClock.now
        let piped = try tether("delete", #"{"stageIds":["s1"]}"#, "--yes", "--throttle", "5", "--watch")
        let seconds = Double((ContinuousClock.now - started).components.seconds)
        #expect(piped.status == 0, "\(piped.output)")
        let progress = piped.output.split(separator: "\n").filter { $0.hasSuffix(" queued") || $0.hasSuffix(" running") }
        #expect(progress.count >= 3 && Double(progress.count) >= seconds - 2, "\(progress.count) lines in \(seconds) s: \(piped.output)")
        // The rate shown is never above the throttle.
        let rates = progress.flatMap { $0.split(separator: " ").filter { $0.hasSuffix("/s") }.compactMap { Int($0.dropLast(2)) } }
        #expect(rates.allSatisfy { $0 <= 5 }, "\(piped.output)")
        let pipedId = try #require(TetherCLIEndToEndTests.jobId(in: piped.output))

        let jobs = try tether("jobs")
        let lines = jobs.output.split(separator: "\n")
        #expect(jobs.status == 0 && lines.count == 3, "\(jobs.output)")
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["JOB", "TYPE", "STATUS", "REQUESTER", "FILTER", "PROCESSED/TOTAL", "CREATED"],
                "\(jobs.output)")
        let vipRow = try #require(lines.first { $0.hasPrefix(vipId) })
        #expect(vipRow.contains(" delete ") && vipRow.contains(" completed ") && vipRow.contains(" ada ") && vipRow.contains(" 1 stage, tags ") && vipRow.contains(" 4/4 "), "\(vipRow)")
        #expect(!vipRow.contains("vip") && !vipRow.contains("s0"), "a filter value in the list: \(vipRow)")
        let pipedRow = try #require(lines.first { $0.hasPrefix(pipedId) })
        #expect(pipedRow.contains(" grace ") && pipedRow.contains(" 20/20 "), "\(pipedRow)")

        // The same Idempotency-Key again: the first job, said to be a replay; then rethrottled until it ends.
        let first = try tether("delete", #"{"stageIds":["s2"]}"#, "--yes", "--throttle", "1", "--idempotency-key", "op-42")
        let firstId = try #require(TetherCLIEndToEndTests.jobId(in: first.output), "\(first.output)")
        let replay = try tether("delete", #"{"stageIds":["s2"]}"#, "--yes", "--throttle", "1", "--idempotency-key", "op-42")
        #expect(replay.status == 0 && TetherCLIEndToEndTests.jobId(in: replay.output) == firstId, "\(replay.output)")
        #expect(replay.output.contains("Replayed"), "\(replay.output)")
        let faster = try tether("rethrottle", firstId, "2")
        #expect(faster.status == 0 && faster.output.contains("job \(firstId): 2 records/s"), "\(faster.output)")
        #expect(try cluster.send("GET", "/api/contacts/bulk-job/\(firstId)", token: admin).json["requestsPerSecond"] as? Double == 2)
        let unthrottled = try tether("rethrottle", firstId, "none")
        #expect(unthrottled.status == 0 && unthrottled.output.contains("job \(firstId): unthrottled"), "\(unthrottled.output)")
        #expect(try tether("rethrottle", firstId, "fast").status == 2)
        #expect(try cluster.waitForJob(firstId, token: admin)["status"] as? String == "completed")
        let finished = try tether("rethrottle", firstId, "10")
        #expect(finished.status == 1 && finished.output.contains("409"), "\(finished.output)")

        // Its output's reader gone (`| head -2` that has read its lines): no traceback, the status SIGPIPE would give.
        let closed = try runCommand(
            "/usr/bin/env", ["python3", "-c", Self.withClosedStandardOutput, repositoryRoot.appendingPathComponent("scripts/tether").path, "--org", "org-a", "jobs"],
            environment: ["TETHER_BIN": cluster.binaries, "TETHER_DATA": cluster.data])
        #expect(closed.status == 141, "\(closed.output)")
        #expect(!closed.output.contains("Traceback") && !closed.output.contains("BrokenPipeError"), "\(closed.output)")
    }

    /// Runs argv[1:] with its standard output a pipe whose reading end is already closed: every write to it fails
    /// with EPIPE, as when `head` has exited, without a race on when it exits. Its exit status (128 + a signal).
    private static let withClosedStandardOutput = """
        import os, subprocess, sys
        reading, writing = os.pipe()
        os.close(reading)
        code = subprocess.run(sys.argv[1:], stdout=writing).returncode
        sys.exit(code if code >= 0 else 128 - code)
        """
}
