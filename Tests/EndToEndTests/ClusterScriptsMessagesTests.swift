#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing

/// What scripts/cluster and scripts/token say: a start that builds says so and how far it is, its
/// banner and a token on a terminal say which org a token is for, a second stop says in one line
/// that nothing runs there, and a start that fails says why in its first line, then where the logs are.
@Suite(.serialized) struct ClusterScriptsMessagesTests {
    /// A `swift` first on PATH that builds nothing: it prints what SwiftPM prints for a build with
    /// work to do, and names the debug binaries as the build's.
    private func fakeSwift(binaries: String, in directory: String) throws -> String {
        let folder = "\(directory)/fake-swift"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let lines = ["Building for production..."] + (1...20).map { "[\($0)/20] Compiling Wire File\($0).swift" } + ["Build complete! (42.00s)"]
        try """
            #!/bin/sh
            case "$*" in *--show-bin-path*) echo '\(binaries)'; exit 0 ;; esac
            printf '%s\\n' \(lines.map { "'\($0)'" }.joined(separator: " "))

            """.write(toFile: "\(folder)/swift", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(folder)/swift")
        return folder
    }

    @Test func aStartThatBuildsSaysSoTheBannerAndTokensNameTheirOrgAndASecondStopSaysNothingRuns() throws {
        let cluster = try TestCluster(shards: 1)
        defer { cluster.stop() }
        let swift = try fakeSwift(binaries: cluster.binaries, in: cluster.data)
        let path = "\(swift):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
        let started = try cluster.script(
            "cluster", ["start", "--shards", "1", "--port", "\(cluster.port)", "--data", cluster.data], environment: ["TETHER_BIN": "", "PATH": path])
        try #require(started.status == 0, "\(started.output)")
        let building = try #require(started.output.range(of: "scripts/cluster: building (release)"), "\(started.output)")
        let built = try #require(started.output.range(of: #"scripts/cluster: built in \d+s"#, options: .regularExpression), "\(started.output)")
        let up = try #require(started.output.range(of: "tether-bulk is up"), "\(started.output)")
        #expect(building.lowerBound < built.lowerBound && built.lowerBound < up.lowerBound, "\(started.output)")
        #expect(started.output.contains("building: 50% (step 10 of 20)"), "\(started.output)")
        let banner = try #require(started.output.split(separator: "\n").first { $0.hasPrefix("admin token") }, "\(started.output)")
        #expect(banner.hasPrefix("admin token for org-1 (user admin, role admin, valid for an hour): "), "\(banner)")
        #expect(banner.split(separator: " ").last?.split(separator: ".").count == 3, "no token on the line: \(banner)")

        // scripts/token on a terminal says for whom it minted, on stderr; piped, it prints the token alone.
        let token = repositoryRoot.appendingPathComponent("scripts/token").path
        let onTerminal = try runCommand(
            "/usr/bin/script", ["-qec", "'\(token)' --org o1 --user u1 --role owner --ttl 600 --data '\(cluster.data)'", "/dev/null"], outputIn: cluster.data)
        #expect(onTerminal.status == 0, "\(onTerminal.output)")
        #expect(onTerminal.output.contains("scripts/token: a token for org o1, user u1, role owner, valid until "), "\(onTerminal.output)")
        let piped = try cluster.script("token", ["--org", "o1", "--user", "u1", "--data", cluster.data])
        #expect(piped.status == 0 && piped.output.split(separator: "\n").count == 1, "\(piped.output)")

        let first = try cluster.script("cluster", ["stop", "--data", cluster.data])
        #expect(first.status == 0 && first.output.contains("stopped the cluster in \(cluster.data)"), "\(first.output)")
        let second = try cluster.script("cluster", ["stop", "--data", cluster.data])
        #expect(second.status == 0, "\(second.output)")
        assertNothingToStop(second.output, firstLine: "no cluster runs in \(cluster.data): nothing to stop")
        let nowhere = "\(cluster.data)/never-started"
        let absent = try cluster.script("cluster", ["stop", "--data", nowhere])
        #expect(absent.status == 0, "\(absent.output)")
        assertNothingToStop(absent.output, firstLine: "no cluster runs in \(nowhere) (no such directory): nothing to stop")
    }

    /// One line that nothing runs there; at most a line naming the clusters that do run elsewhere
    /// (other tests' clusters may), and no fragment of another sentence.
    private func assertNothingToStop(_ output: String, firstLine: String) {
        let lines = output.split(separator: "\n")
        #expect(lines.first.map(String.init) == firstLine, "\(output)")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("  running: ") }, "stray text after the first line:\n\(output)")
    }

    @Test func aStartOnATakenPortSaysWhyInItsFirstLineThenWhereTheLogsAre() throws {
        let cluster = try TestCluster(shards: 1)
        defer { cluster.stop() }
        let (listener, taken) = try RawHTTPClient.bindLoopback(listening: true)
        defer { close(listener) }
        for attempt in 1...2 {
            let start = try cluster.script("cluster", ["start", "--shards", "1", "--port", "\(taken)", "--data", cluster.data])
            #expect(start.status == 1, "\(start.output)")
            let lines = start.output.split(separator: "\n").map(String.init)
            #expect(
                lines.first?.hasPrefix("scripts/cluster: the gateway could not start: bind on 127.0.0.1:\(taken): Address already in use") == true,
                "start \(attempt):\n\(start.output)")
            #expect(lines.count == 2 && lines[1].contains("\(cluster.data)/logs/gateway.log"), "start \(attempt):\n\(start.output)")
        }
        // Nothing of the failed starts is left running.
        let status = try cluster.script("cluster", ["status", "--data", cluster.data])
        #expect(status.status == 3, "\(status.output)")
    }

    /// Runs `scripts/lib/NAME ARGUMENTS` with INPUT on its standard input; its status and output.
    private func library(_ name: String, _ arguments: [String] = [], input: String = "") throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("script-lib-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try input.write(toFile: "\(directory)/input", atomically: true, encoding: .utf8)
        let script = repositoryRoot.appendingPathComponent("scripts/lib/\(name)").path
        return try runCommand("/bin/sh", ["-c", #"input=$1; shift; exec python3 "$@" <"$input""#, "sh", "\(directory)/input", script] + arguments)
    }

    @Test func theBuildProgressSaysItBuildsAndHowFarOnlyWhenThereIsWorkAndBuiltOnlyWhenItWas() throws {
        let steps = (1...4).map { "[\($0)/4] Compiling Gateway File\($0).swift" }
        let build = (["Building for production...", "[0/4] Write sources"] + steps + ["Build complete! (61.20s)"]).joined(separator: "\n") + "\n"
        let plain = try library("build_progress.py", input: build)
        #expect(plain.status == 0)
        #expect(plain.output.split(separator: "\n").map(String.init).dropLast() == [
            "scripts/cluster: building (release), this takes a few minutes the first time...",
            "scripts/cluster: building: 25% (step 1 of 4)", "scripts/cluster: building: 50% (step 2 of 4)",
            "scripts/cluster: building: 75% (step 3 of 4)", "scripts/cluster: building: 100% (step 4 of 4)",
        ], "\(plain.output)")
        #expect(plain.output.range(of: #"\nscripts/cluster: built in \d+s\n$"#, options: .regularExpression) != nil, "\(plain.output)")

        // On a terminal: one line, rewritten in place, with the step it is at.
        let terminal = try library("build_progress.py", ["--terminal"], input: build)
        #expect(terminal.output.contains("\r\u{1B}[Kscripts/cluster: building [3/4] Compiling Gateway File3.swift"), "\(terminal.output)")
        #expect(!terminal.output.contains("building: "), "\(terminal.output)")

        // Nothing to do: silent. A failed build: no "built" (its caller prints SwiftPM's errors).
        let noOp = try library("build_progress.py", input: "Building for production...\n[0/1] Write swift-version.txt\nBuild complete! (0.31s)\n")
        #expect(noOp.output.isEmpty, "\(noOp.output)")
        // The first build (no release gateway yet) says so before SwiftPM's first step.
        let first = try library("build_progress.py", ["--first"], input: "Building for production...\n")
        #expect(first.output == "scripts/cluster: building (release), this takes a few minutes the first time...\n", "\(first.output)")
        let failed = try library("build_progress.py", input: steps.prefix(2).joined(separator: "\n") + "\nerror: cannot find 'x' in scope\n")
        #expect(failed.output.contains("building: 50%") && !failed.output.contains("built"), "\(failed.output)")
    }

    @Test func theCauseOfAFailedStartIsTheFirstErrorItsLogsGotDuringThatStartInTextOrJSON() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("start-failure-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let older = "2026-12-07T10:00:00.000Z coordinator[7] error: an older start's error\n"
        let text = older + """
            2026-12-07T11:00:00.000Z coordinator[9] info: coordinator listening
            2026-12-07T11:00:00.100Z coordinator[9] error: cannot open /data/shards/0.sqlite: disk I/O error
            2026-12-07T11:00:00.200Z coordinator[9] error: a later error

            """
        try text.write(toFile: "\(directory)/coordinator.log", atomically: true, encoding: .utf8)
        let json = #"{"time":"t","level":"info","process":"gateway","pid":3,"message":"starting"}"# + "\n"
            + #"{"time":"t","level":"error","process":"gateway","pid":3,"message":"bind on 127.0.0.1:9: Permission denied (errno 13)"}"# + "\n"
        try json.write(toFile: "\(directory)/gateway.log", atomically: true, encoding: .utf8)
        let since = "\(older.utf8.count)"

        let cause = try library("start_failure.py", ["\(directory)/coordinator.log", since, "\(directory)/gateway.log", "0"])
        #expect(cause.output == "cannot open /data/shards/0.sqlite: disk I/O error\n", "\(cause.output)")
        let fromJSON = try library("start_failure.py", ["\(directory)/missing.log", "0", "\(directory)/gateway.log", "0"])
        #expect(fromJSON.output == "bind on 127.0.0.1:9: Permission denied (errno 13)\n", "\(fromJSON.output)")
        // No error line: the last line the first log got, said to be only that.
        try "2026-12-07T11:00:00.000Z gateway[4] info: starting\n".write(toFile: "\(directory)/quiet.log", atomically: true, encoding: .utf8)
        let quiet = try library("start_failure.py", ["\(directory)/quiet.log", "0"])
        #expect(quiet.output == "its last log line: 2026-12-07T11:00:00.000Z gateway[4] info: starting\n", "\(quiet.output)")
    }
}
