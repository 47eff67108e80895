#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import Wire
@testable import Gateway

/// The data directory holds every tenant's data: nothing under it is open to
/// other users, a directory that is stays unused, and no secret is ever in an
/// argv, where `/proc/*/cmdline` shows it to every local user.
@Suite(.serialized) struct PrivacyEndToEndTests {
    /// Paths under `root` whose mode lets a group or other users in, with their modes.
    private func openToOthers(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return ["\(root): unreadable"] }
        var open: [String] = []
        for case let relative as String in walker {
            var info = stat()
            let path = "\(root)/\(relative)"
            guard lstat(path, &info) == 0 else { continue }
            if info.st_mode & 0o077 != 0 { open.append("\(relative) \(String(info.st_mode & 0o777, radix: 8))") }
        }
        return open
    }

    @Test func aDataDirectoryOpenToOthersIsRefusedAndWhatTheClusterCreatesIsPrivate() throws {
        let cluster = try TestCluster(shards: 2)
        defer { cluster.stop() }
        chmod(cluster.data, 0o755)
        let (status, output) = try cluster.script("cluster", ["start", "--shards", "2", "--port", "\(cluster.port)", "--data", cluster.data])
        #expect(status != 0)
        #expect(output.contains("is open to other users (mode 755)") && output.contains("chmod 700"), "\(output)")
        #expect(cluster.currentPids().isEmpty, "a refused start started something")

        chmod(cluster.data, 0o700)
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let body = DataEndToEndTests.dataSet(org: 1, count: 200).map(\.line).joined(separator: "\n")
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: body).status == 200)
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true}"#)
        _ = try cluster.waitForJob(try #require(started.json["jobId"] as? String), token: admin)
        // Databases, their WALs, the event log, logs, pid files, sockets, the secret: the user's alone.
        #expect(FileManager.default.fileExists(atPath: cluster.layout.eventDatabase))
        #expect(openToOthers(under: cluster.data) == [])
    }

    /// Wrappers for `python3` and `openssl` that record every argv they are run with, then run the real one.
    private func recordingArgv(in directory: String, log: String) throws -> String {
        for tool in ["python3", "openssl"] {
            guard let real = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
                .map({ "\($0)/\(tool)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) })
            else { continue }
            let wrapper = "\(directory)/\(tool)"
            try "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '\(log)'\nexec '\(real)' \"$@\"\n".write(toFile: wrapper, atomically: true, encoding: .utf8)
            chmod(wrapper, 0o700)
        }
        return "\(directory):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
    }

    @Test(arguments: [true, false])
    func theTokenScriptKeepsTheSecretOutOfEveryArgv(fromEnvironment: Bool) throws {
        let cluster = try TestCluster(shards: 1)
        defer { try? FileManager.default.removeItem(atPath: cluster.data) }
        let secret = "secret-\(UUID().uuidString)"
        var environment = ["PATH": try recordingArgv(in: cluster.data, log: "\(cluster.data)/argv.log")]
        if fromEnvironment {
            environment["TETHER_JWT_SECRET"] = secret
        } else {
            try secret.write(toFile: "\(cluster.data)/jwt.secret", atomically: true, encoding: .utf8)
        }
        let (status, output) = try cluster.script("token", ["--org", "o1", "--user", "u1", "--role", "admin", "--data", cluster.data], environment: environment)
        #expect(status == 0, "\(output)")
        let argv = (try? String(contentsOfFile: "\(cluster.data)/argv.log", encoding: .utf8)) ?? ""
        #expect(!argv.isEmpty, "the wrappers saw no call")
        #expect(!argv.contains(secret), "the secret was in an argv:\n\(argv)")
        // And the token it printed is one the gateway accepts.
        let claims = try TokenVerifier(secret: Array(secret.utf8))
            .verify(authorization: "Bearer \(output.trimmingCharacters(in: .whitespacesAndNewlines))", now: Int64(Date().timeIntervalSince1970))
        #expect(claims.orgId == "o1" && claims.subject == "u1")
    }
}
