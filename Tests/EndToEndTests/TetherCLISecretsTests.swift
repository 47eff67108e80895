#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing

/// `scripts/tether` and its token: never taken from the command line, minted with the least role
/// the command needs, and never sent in clear to an `https` URL. Against a recording listener, which
/// shows what the script really sent.
@Suite(.serialized) struct TetherCLISecretsTests {
    /// Runs `body` with a cluster directory holding only a secret (all minting needs) and a
    /// listener answering every request as if it went well; removes both after.
    private func withListener(_ body: (_ data: String, _ listener: RecordingHTTPListener) throws -> Void) throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("tether-cli-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: data) }
        try "tether-cli-test-secret-0123456789abcdef0123456789\n".write(toFile: data + "/jwt.secret", atomically: true, encoding: .utf8)
        let listener = try RecordingHTTPListener(answer: Self.plausibleAnswer)
        defer { listener.stop() }
        try body(data, listener)
    }

    private func tether(_ arguments: [String], data: String, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try runCommand(
            repositoryRoot.appendingPathComponent("scripts/tether").path, arguments,
            environment: ["TETHER_DATA": data, "TETHER_TOKEN": "", "TETHER_URL": "", "TETHER_ORG": "org-a"].merging(environment) { _, new in new })
    }

    /// Answers every request as if it went well: 202 to a DELETE, 200 otherwise (a delete's preview, a dry run, too).
    private static func plausibleAnswer(_ request: String) -> String {
        let body = #"{"count":0,"jobs":[],"jobId":"j1","status":"cancelling"}"#
        let accepted = request.hasPrefix("DELETE") && !request.contains("dryRun") || request.hasPrefix("POST /api/contacts/bulk-job/j1/restore ")
        return "HTTP/1.1 \(accepted ? "202 Accepted" : "200 OK")\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
    }

    /// The `role` claim of every bearer token in `text`.
    private static func roles(in text: String) -> [String] { claims("role", in: text) }

    /// The claim `name` of every bearer token in `text`.
    private static func claims(_ name: String, in text: String) -> [String] {
        let prefix = "authorization: bearer "
        let tokens = text.components(separatedBy: "\r\n").filter { $0.lowercased().hasPrefix(prefix) }.map { $0.dropFirst(prefix.count) }
        return tokens.compactMap { token -> String? in
            let parts = token.split(separator: ".")
            guard parts.count == 3 else { return nil }
            var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
            guard let data = Data(base64Encoded: base64) else { return nil }
            let claims = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            return claims?[name] as? String
        }
    }

    @Test func readingCommandsMintAnAgentTokenAndOnlyChangingOnesAnAdminToken() throws {
        try withListener { data, listener in
            let url = "http://127.0.0.1:\(listener.port)"
            for (command, role) in [(["count", "{}"], "agent"), (["jobs"], "agent"), (["job", "j1"], "agent"), (["cancel", "j1"], "admin"),
                                    (["delete", #"{"orgWide":true}"#], "admin"), (["restore", "j1"], "admin")] {
                listener.received.withLock { $0 = [] }
                let run = try tether(["--url", url] + command, data: data)
                #expect(run.status == 0, "\(command): \(run.output)")
                #expect(Self.roles(in: listener.text) == [role], "\(command): \(listener.text)")
            }
        }
    }

    @Test func aMintedTokenNamesTheOperatorByLoginNameOrUserNeverASharedName() throws {
        try withListener { data, listener in
            let url = "http://127.0.0.1:\(listener.port)"
            let login = ["USER": "grace-ops", "LOGNAME": "grace-ops"]
            let byLogin = try tether(["--url", url, "count", "{}"], data: data, environment: login)
            #expect(byLogin.status == 0, "\(byLogin.output)")
            #expect(Self.claims("sub", in: listener.text) == ["grace-ops"], "\(listener.text)")
            listener.received.withLock { $0 = [] }
            let byFlag = try tether(["--url", url, "--user", "ada", "jobs"], data: data, environment: login)
            #expect(byFlag.status == 0, "\(byFlag.output)")
            #expect(Self.claims("sub", in: listener.text) == ["ada"], "\(listener.text)")
        }
    }

    @Test func aTokenIsTakenFromAFileOrTheEnvironmentNeverFromAnArgument() throws {
        try withListener { data, listener in
            let url = "http://127.0.0.1:\(listener.port)"

            let refused = try tether(["--url", url, "--token", "abc.def.ghi", "count", "{}"], data: data)
            #expect(refused.status == 2, "\(refused.output)")
            #expect(refused.output.contains("TETHER_TOKEN") && refused.output.contains("--token-file"), "\(refused.output)")
            #expect(listener.received.withLock { $0.isEmpty }, "a refused --token was sent anyway")

            let file = data + "/token"
            try "from.the.file\n".write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try tether(["--url", url, "--token-file", file, "count", "{}"], data: data).status == 0)
            #expect(listener.text.contains("Authorization: Bearer from.the.file\r\n"), "\(listener.text)")
            #expect(try tether(["--url", url, "count", "{}"], data: data, environment: ["TETHER_TOKEN": "from.the.environment"]).status == 0)
            #expect(listener.text.contains("Authorization: Bearer from.the.environment\r\n"), "\(listener.text)")

            // scripts/seed, the other script that sends a token, refuses one in its arguments the same way.
            let seed = try runCommand(
                repositoryRoot.appendingPathComponent("scripts/seed").path, ["--org", "o", "--contacts", "1", "--url", url, "--token", "abc.def.ghi"])
            #expect(seed.status == 2 && seed.output.contains("--token-file"), "\(seed.output)")
            #expect(!listener.text.contains("abc.def.ghi"), "scripts/seed sent a token given as an argument")

            let missing = try tether(["--url", url, "--token-file", data + "/nonexistent", "count", "{}"], data: data)
            #expect(missing.status == 1 && missing.output.contains("cannot be read"), "\(missing.output)")
        }
    }

    @Test func anHTTPSURLIsSpokenToOverTLSAndAPlainListenerNeverSeesTheToken() throws {
        try withListener { data, listener in
            let token = "never.in.clear"
            let run = try tether(["--url", "https://127.0.0.1:\(listener.port)", "count", "{}"], data: data, environment: ["TETHER_TOKEN": token])
            #expect(run.status == 1 && run.output.contains("TLS"), "\(run.output)")
            #expect(!listener.received.withLock { $0.isEmpty }, "nothing reached the listener: the URL's port was not used")
            #expect(!listener.text.contains(token) && !listener.text.lowercased().contains("authorization"), "\(listener.text)")

            let other = try tether(["--url", "ftp://127.0.0.1:\(listener.port)", "count", "{}"], data: data, environment: ["TETHER_TOKEN": token])
            #expect(other.status == 1 && other.output.contains("neither http:// nor https://"), "\(other.output)")
        }
    }
}
