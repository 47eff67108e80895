import Foundation
import TestSupport
import Testing

/// Every script under scripts/ explains itself: `--help` and `-h` print its usage on standard
/// output and exit 0, without a cluster, a build, root or a database. The scripts are found by
/// listing the directory, so a new script without --help fails here.
@Suite struct ScriptHelpTests {
    /// The executable files under scripts/ (scripts/lib's too), as paths relative to the repository.
    private func scripts() throws -> [String] {
        let root = repositoryRoot.appendingPathComponent("scripts").path
        let found = try #require(FileManager.default.subpaths(atPath: root))
        return found.sorted().filter { path in
            var directory: ObjCBool = false
            let full = "\(root)/\(path)"
            return FileManager.default.fileExists(atPath: full, isDirectory: &directory) && !directory.boolValue
                && FileManager.default.isExecutableFile(atPath: full)
        }.map { "scripts/\($0)" }
    }

    /// A directory of stand-ins, first on PATH, for what reading a script's help must not need: each
    /// records its name in `called` and fails.
    private func standIns() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("script-help-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        for name in ["swift", "swiftc", "apt-get", "curl", "openssl", "pg_ctl", "initdb", "psql", "wrk", "sudo"] {
            try "#!/bin/sh\necho \(name) >> '\(directory)/called'\nexit 1\n".write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(directory)/\(name)")
        }
        return directory
    }

    /// Runs SCRIPT ARGUMENTS with the stand-ins and a data directory that does not exist; its exit
    /// status, standard output alone, and standard error.
    private func run(_ script: String, _ arguments: [String], standIns: String) throws -> (status: Int32, output: String, errors: String) {
        let errors = "\(standIns)/stderr-\(UUID().uuidString.prefix(8))"
        let (status, output) = try runCommand(
            "/bin/sh", ["-c", #"out=$1; shift; exec "$@" 2>"$out""#, "sh", errors, repositoryRoot.appendingPathComponent(script).path] + arguments,
            environment: [
                "PATH": "\(standIns):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")", "TETHER_DATA": "\(standIns)/no-cluster", "TETHER_PG_BIN": standIns,
                "TETHER_BIN": "", "TETHER_URL": "",
            ])
        return (status, output, (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
    }

    @Test func everyScriptPrintsItsUsageOnHelpAndExitsZeroWithoutAClusterABuildOrADatabase() throws {
        let directory = try standIns()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let found = try scripts()
        #expect(found.contains("scripts/cluster") && found.contains("scripts/token") && found.contains("scripts/lib/install-deps"), "\(found)")
        for script in found {
            let name = (script as NSString).lastPathComponent
            for flag in ["--help", "-h"] {
                let answer = try run(script, [flag], standIns: directory)
                #expect(answer.status == 0, "\(script) \(flag) exited \(answer.status): \(answer.output)\(answer.errors)")
                let usage = answer.output.split(separator: "\n").first { $0.hasPrefix("usage:") && $0.contains(name) }
                #expect(usage != nil, "\(script) \(flag) printed no usage line on stdout:\n\(answer.output)\nstderr:\n\(answer.errors)")
            }
        }
        let called = (try? String(contentsOfFile: "\(directory)/called", encoding: .utf8)) ?? ""
        #expect(called.isEmpty, "reading a script's help ran: \(called)")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/no-cluster"), "reading a script's help made a data directory")
    }

    /// The forms an operator tries besides --help: the `help` command, --help after a command,
    /// --help after options; and a usage error still says how to use it, with its own status.
    @Test func clusterAndBenchAnswerHelpAfterACommandAndAUsageErrorPrintsTheSynopsis() throws {
        let directory = try standIns()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for arguments in [["help"], ["start", "--help"], ["stop", "--data", "/nowhere", "-h"]] {
            let answer = try run("scripts/cluster", arguments, standIns: directory)
            #expect(answer.status == 0 && answer.output.contains("usage: scripts/cluster start"), "\(arguments): \(answer.output)\(answer.errors)")
            #expect(answer.output.contains("TETHER_PORT"), "the help names no environment fallback: \(answer.output)")
        }
        let bench = try run("scripts/bench", ["delete", "--help"], standIns: directory)
        #expect(bench.status == 0 && bench.output.contains("usage: scripts/bench http"), "\(bench.output)\(bench.errors)")

        let unknown = try run("scripts/cluster", ["restart"], standIns: directory)
        #expect(unknown.status == 2 && unknown.output.isEmpty, "\(unknown.output)\(unknown.errors)")
        #expect(unknown.errors.hasPrefix("usage: scripts/cluster start") && unknown.errors.contains("--help says more"), "\(unknown.errors)")
        let fuzz = try run("scripts/fuzz", [], standIns: directory)
        #expect(fuzz.status == 64 && fuzz.errors.contains("usage: scripts/fuzz"), "\(fuzz.errors)")
        let called = (try? String(contentsOfFile: "\(directory)/called", encoding: .utf8)) ?? ""
        #expect(called.isEmpty, "a usage error ran: \(called)")
    }
}
