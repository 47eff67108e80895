#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import WireRuntime

/// Where a test cluster keeps its shards: `scripts/cluster start --storage`. PostgreSQL is a
/// private server under the cluster's directory, which `scripts/cluster` starts and stops.
enum ClusterStorage: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }
}

/// A real cluster, started by `scripts/cluster` from the debug build in a
/// temporary directory, and always stopped and removed by `stop()`.
final class TestCluster: @unchecked Sendable {
    // Invariant for @unchecked Sendable: every property is written in init only.
    let data: String
    let port: UInt16
    let shards: Int
    let storage: ClusterStorage
    /// Added to what every script of this cluster sees (a PostgreSQL URL, a shared secret).
    let environment: [String: String]
    let layout: ClusterLayout
    private let repo: URL
    /// The folder of the debug binaries the cluster runs.
    let binaries: String

    init(shards: Int, storage: ClusterStorage = .sqlite, environment: [String: String] = [:]) throws {
        repo = repositoryRoot
        binaries = try Self.binaryDirectory(repo: repo)
        // A short path: Unix socket paths are limited to 107 bytes.
        var template = Array("/tmp/tb-e2e-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemCallError(call: "mkdtemp", errno: errno) }
        data = String(cString: made)
        port = try Self.freePort()
        self.shards = shards
        self.storage = storage
        self.environment = environment
        layout = ClusterLayout(dataDirectory: data)
    }

    /// Runs a `scripts/` command against this cluster; returns its exit status and output.
    @discardableResult
    func script(_ name: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let environment = ["TETHER_BIN": binaries, "TETHER_DATA": data, "TETHER_START_TIMEOUT": "30"]
            .merging(self.environment) { _, new in new }.merging(extra) { _, new in new }
        return try runCommand(repo.appendingPathComponent("scripts/\(name)").path, arguments, environment: environment, outputIn: data)
    }

    func start() throws {
        let (status, output) = try script(
            "cluster", ["start", "--shards", "\(shards)", "--port", "\(port)", "--data", data, "--storage", storage.rawValue])
        guard status == 0 else { throw ClusterError.startFailed(output + logs()) }
    }

    /// Stops the cluster, kills anything it left, and removes the directory.
    /// Returns the pids that were still alive after `scripts/cluster stop`.
    @discardableResult
    func stop(everSeen: Set<Int32> = []) -> [Int32] {
        let known = everSeen.union(currentPids().values)
        _ = try? script("cluster", ["stop", "--data", data])
        var survivors: [Int32] = []
        for pid in known where kill(pid, 0) == 0 && !isZombie(pid) {
            survivors.append(pid)
            kill(pid, SIGKILL)
        }
        // A private PostgreSQL server may live outside the directory (as root, under the postgres user's home).
        if FileManager.default.fileExists(atPath: "\(data)/pg") { _ = try? runCommand(repo.appendingPathComponent("scripts/pg").path, ["remove", "\(data)/pg"]) }
        try? FileManager.default.removeItem(atPath: data)
        return survivors
    }

    /// Every pid file in `run/`, by process name.
    func currentPids() -> [String: Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: layout.runDirectory)) ?? []
        var pids: [String: Int32] = [:]
        for name in names where name.hasSuffix(".pid") {
            if let pid = PidFile.read("\(layout.runDirectory)/\(name)") { pids[String(name.dropLast(4))] = pid }
        }
        return pids
    }

    func logs() -> String {
        let directory = "\(data)/logs"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().map { name in
            "\n--- \(name)\n" + ((try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)) ?? "")
        }.joined()
    }

    func get(_ path: String) throws -> RawHTTPResponse {
        try RawHTTPClient.exchange(port: port, request: "GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    }

    private func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true
    }

    /// The folder holding the debug `gateway`, `coordinator` and `shard` that `swift test` built.
    static func binaryDirectory(repo: URL) throws -> String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path,
            repo.appendingPathComponent(".build/debug").path,
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: "\(candidate)/coordinator") {
            return candidate
        }
        throw ClusterError.binariesMissing(candidates)
    }

    /// A port nobody listens on right now (bind to 0, read it, release it).
    private static func freePort() throws -> UInt16 {
        let (fd, port) = try RawHTTPClient.bindLoopback(listening: false)
        close(fd)
        return port
    }

    enum ClusterError: Error, CustomStringConvertible {
        case startFailed(String)
        case binariesMissing([String])

        var description: String {
            switch self {
            case .startFailed(let output): "scripts/cluster start failed:\n\(output)"
            case .binariesMissing(let places): "no coordinator binary in \(places); run swift build first"
            }
        }
    }
}

extension TestCluster {
    /// One request with a bearer token, answered and closed.
    func send(_ method: String, _ path: String, token: String, body: String = "", headers: String = "") throws -> RawHTTPResponse {
        try RawHTTPClient.exchange(port: port, request: """
            \(method) \(path) HTTP/1.1\r\nAuthorization: Bearer \(token)\r\n\(headers)Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)
            """)
    }

    /// A started cluster of `shards` holding `contacts` contacts of org-a
    /// (`DataEndToEndTests.dataSet(org: 1)`), with an admin token of that org.
    static func seeded(shards: Int = 2, contacts: Int, storage: ClusterStorage = .sqlite) throws -> (TestCluster, String) {
        let cluster = try TestCluster(shards: shards, storage: storage)
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let body = DataEndToEndTests.dataSet(org: 1, count: contacts).map(\.line).joined(separator: "\n")
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: body).status == 200)
        return (cluster, admin)
    }

    /// A token from scripts/token, signed with this cluster's secret.
    func token(org: String, user: String, role: String = "admin") throws -> String {
        let (status, output) = try script("token", ["--org", org, "--user", user, "--role", role, "--data", data])
        #expect(status == 0, "\(output)")
        // The token is the last line; a line before it on standard error may say that no cluster runs here now.
        return String(output.split(separator: "\n").last ?? "")
    }

    /// Polls a job from the first instant (it must never be 404, nor its processed count go down) until `done` holds.
    func waitForJob(
        _ jobId: String, token: String, timeout: Duration = .seconds(30),
        until done: ([String: Any]) -> Bool = { ["completed", "completed_with_errors", "failed", "cancelled"].contains($0["status"] as? String ?? "") }
    ) throws -> [String: Any] {
        var job: [String: Any] = [:]
        var lastProcessed = 0
        let reached = try eventually(timeout: timeout) {
            let poll = try send("GET", "/api/contacts/bulk-job/\(jobId)", token: token)
            #expect(poll.status == 200, "poll answered \(poll)")
            job = poll.json
            let processed = job["processed"] as? Int ?? 0
            #expect(processed >= lastProcessed, "processed went down")
            lastProcessed = processed
            return done(job)
        }
        #expect(reached, "job never got there: \(job)\(logs())")
        return job
    }
}
