#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import Wire
import WireRuntime
import WireTransport

/// What a real cluster keeps to itself: each process's environment holds only the secrets it
/// uses, no log holds what a tenant searched for, the coordinator answers each peer only what
/// that peer's role asks, and a guessable JWT secret never serves.
@Suite(.serialized) struct SecretsEndToEndTests {
    /// The environment of a live process, from /proc/PID/environ.
    private func environment(of pid: Int32) throws -> [String: String] {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
        var variables: [String: String] = [:]
        for entry in bytes.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return variables
    }

    @Test func eachProcessGetsOnlyTheSecretsItUses() throws {
        let secret = "e2e-secret-\(UUID().uuidString)"
        let cluster = try TestCluster(shards: 2, storage: .postgres, environment: ["TETHER_JWT_SECRET": secret, "TETHER_E2E_CANARY": "canary"])
        defer { cluster.stop() }
        try cluster.start()
        let pids = cluster.currentPids()
        let gateway = try environment(of: try #require(pids["gateway"]))
        #expect(gateway["TETHER_JWT_SECRET"] == secret, "the gateway verifies tokens with it")
        #expect(gateway["TETHER_PG_URL"] == nil && gateway["TETHER_PG_MAP"] == nil, "the gateway saw a database: \(gateway.keys.sorted())")
        let coordinator = try environment(of: try #require(pids["coordinator"]))
        #expect(coordinator["TETHER_PG_URL"] != nil, "the coordinator keeps the registry on PostgreSQL")
        for shard in ["shard-0", "shard-1"] {
            let variables = try environment(of: try #require(pids[shard], "\(pids)"))
            #expect(variables["TETHER_PG_URL"] != nil, "\(shard) keeps its partition on PostgreSQL")
        }
        for (name, pid) in pids {
            let variables = try environment(of: pid)
            #expect(variables["TETHER_E2E_CANARY"] == nil, "\(name) got a variable nobody passes on: \(variables.keys.sorted())")
            if name != "gateway" { #expect(!variables.values.contains(secret), "\(name) has the JWT secret") }
        }
    }

    @Test func aFiltersValuesAreInNoLogAndEachPeerRoleSendsOnlyItsOwnRequests() async throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: 20)
        defer { cluster.stop() }
        let needle = "needle-\(UUID().uuidString.prefix(8))"
        let filter = #"{"orgWide":true,"advancedParams":{"search":"\#(needle)@example.com","tags":["\#(needle)-tag"],"assignedTo":["\#(needle)-user"]}}"#
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: filter)
        #expect(started.status == 202, "\(started)")
        let jobId = try #require(started.json["jobId"] as? String)
        _ = try cluster.waitForJob(jobId, token: admin)
        let logs = cluster.logs()
        #expect(logs.contains("job \(jobId) of org org-a created by u1: filter {advancedParams: {assignedTo: 1 value, search, tags: 1 value}"), "\(logs)")
        #expect(!logs.contains(needle), "a filter's value is in a log:\n\(logs)")

        // An operator peer (`coordinator --report`'s role) may report jobs, and neither create nor list an org's.
        let loop = try EventLoop(name: "operator-loop")
        loop.start()
        defer { loop.stop() }
        try await Connection.connect(
            path: cluster.layout.coordinatorSocket, hello: Hello(role: .operator, pid: getpid()), loop: loop, delegate: RecordingDelegate(),
            log: Log(process: "test-operator", minimumLevel: .error)
        ) { connection, _ in
            var everyone = ContactFilter()
            everyone.orgWide = true
            /// What the coordinator refused `call` with; nil when it answered.
            func refusal<C: Call, Family: CallFamily>(of call: C, as family: @Sendable (C) -> Family) async throws -> RemoteFailure? {
                do {
                    _ = try await connection.call(call, as: family, timeout: .seconds(5))
                    return nil
                } catch let failure as RemoteFailure {
                    return failure
                }
            }
            let create = JobRequest(spec: JobSpec(kind: .delete, org: "org-a", requester: "intruder", filter: everyone), filterJSON: #"{"orgWide":true}"#)
            let refused = try await refusal(of: create, as: \.gatewayCall)
            #expect(refused?.message.contains("may not send `createJob`") == true, "\(String(describing: refused))")
            #expect(try await refusal(of: JobListQuery(org: "org-a", limit: 10), as: \.gatewayCall) != nil, "an operator peer listed an org's jobs")
            #expect(try await refusal(of: ListUnfinishedJobs(limit: 5), as: OperatorCall.unfinishedJobs) == nil, "an operator peer could not report the unfinished jobs")
        }
        let jobs = try cluster.send("GET", "/api/contacts/bulk-jobs", token: admin).json["jobs"] as? [[String: Any]]
        #expect(jobs?.count == 1, "\(String(describing: jobs))")
        let coordinatorLog = (try? String(contentsOfFile: "\(cluster.data)/logs/coordinator.log", encoding: .utf8)) ?? ""
        #expect(coordinatorLog.contains("warning: refused a request from operator (pid \(getpid())): a peer of role operator may not send `createJob`"),
                "\(coordinatorLog)")
    }

    @Test func aJWTSecretShorterThanThirtyTwoBytesIsRefusedByTheClusterScriptAndTheGateway() throws {
        let short = "only-31-bytes-of-secret-0123456"
        let cluster = try TestCluster(shards: 1, environment: ["TETHER_JWT_SECRET": short])
        defer { cluster.stop() }
        let fromEnvironment = try cluster.script("cluster", ["start", "--shards", "1", "--port", "\(cluster.port)", "--data", cluster.data])
        #expect(fromEnvironment.status == 2, "\(fromEnvironment.output)")
        #expect(fromEnvironment.output.contains("the JWT secret in TETHER_JWT_SECRET has 31 bytes, fewer than the 32"), "\(fromEnvironment.output)")
        #expect(cluster.currentPids().isEmpty, "a process started with a short secret")

        try (short + "\n").write(toFile: "\(cluster.data)/jwt.secret", atomically: true, encoding: .utf8)
        let fromFile = try cluster.script(
            "cluster", ["start", "--shards", "1", "--port", "\(cluster.port)", "--data", cluster.data], environment: ["TETHER_JWT_SECRET": ""])
        #expect(fromFile.status == 2 && fromFile.output.contains("\(cluster.data)/jwt.secret has 31 bytes"), "\(fromFile.output)")

        // The gateway itself, started by hand, refuses it before it listens.
        let gateway = try runCommand(
            "\(cluster.binaries)/gateway", ["--data", cluster.data, "--port", "\(cluster.port)"], environment: ["TETHER_JWT_SECRET": short])
        #expect(gateway.status == 1, "\(gateway.output)")
        #expect(gateway.output.contains("has 31 bytes, fewer than the 32 an HS256 key needs"), "\(gateway.output)")
    }
}
