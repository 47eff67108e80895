import Foundation
import TestSupport
import Testing

/// `scripts/lib/install-deps`, which scripts/test runs first: as root it installs the missing
/// packages, as anyone else it names them and the command that installs them and fails. Run with
/// `dpkg`, `apt-get` and `id` stand-ins first on PATH, so nothing is installed and either user
/// can be played.
@Suite struct InstallDepsScriptTests {
    /// A directory of stand-ins: `dpkg -s` knows every package but `missing`; `id -u` prints `uid`;
    /// `apt-get` appends its arguments to `apt.log` in the directory.
    private func standIns(missing: [String], uid: Int) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("install-deps-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let scripts = [
            "dpkg": "#!/bin/sh\ncase \" \(missing.joined(separator: " ")) \" in *\" $2 \"*) exit 1 ;; esac\nexit 0\n",
            "id": "#!/bin/sh\necho \(uid)\n",
            "apt-get": "#!/bin/sh\necho \"$*\" >> '\(directory)/apt.log'\n",
        ]
        for (name, text) in scripts {
            try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(directory)/\(name)")
        }
        return directory
    }

    private func installDeps(path: String) throws -> (status: Int32, output: String) {
        try runCommand(
            repositoryRoot.appendingPathComponent("scripts/lib/install-deps").path, [],
            environment: ["PATH": "\(path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"])
    }

    @Test func anotherUserIsToldWhichPackagesAreMissingAndTheCommandThatInstallsThem() throws {
        let directory = try standIns(missing: ["chromium", "libpq-dev"], uid: 1000)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try installDeps(path: directory)
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.contains("missing: libpq-dev chromium"), "\(run.output)")
        #expect(run.output.contains("apt-get install -y libpq-dev chromium"), "\(run.output)")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/apt.log"), "it ran apt-get without being root")
    }

    @Test func rootGetsTheMissingPackagesInstalledAndNothingIsDoneWhenNoneIsMissing() throws {
        let directory = try standIns(missing: ["chromium", "postgresql-15"], uid: 0)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try installDeps(path: directory)
        #expect(run.status == 0, "\(run.output)")
        let log = (try? String(contentsOfFile: "\(directory)/apt.log", encoding: .utf8)) ?? ""
        #expect(log == "update -qq\ninstall -y -qq postgresql-15 chromium\n", "\(log)")

        let complete = try standIns(missing: [], uid: 1000)
        defer { try? FileManager.default.removeItem(atPath: complete) }
        #expect(try installDeps(path: complete) == (0, ""))
    }
}
