#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import Wire

/// Whole clusters of real processes over real sockets; one at a time, so
/// they do not compete for the machine's two cores.
@Suite(.serialized) struct ClusterLifecycleTests {
    @Test func healthzIsOKThenReportsAKilledShardDownUntilItIsRestarted() throws {
        let cluster = try TestCluster(shards: 2)
        var seen: Set<Int32> = []
        defer { #expect(cluster.stop(everSeen: seen).isEmpty, "processes left behind") }
        try cluster.start()
        seen.formUnion(cluster.currentPids().values)

        let healthy = try cluster.get("/healthz")
        #expect(healthy.status == 200)
        #expect(healthy.body == #"{"status":"ok","shards":{"up":2,"total":2}}"#)

        let victim = try #require(cluster.currentPids()["shard-1"])
        kill(victim, SIGKILL)
        let sawDown = try eventually(timeout: .seconds(2)) {
            let response = try cluster.get("/healthz")
            return response.status == 503 && response.json["status"] as? String == "degraded"
        }
        #expect(sawDown, "a killed shard never showed as down")

        let healed = try eventually {
            guard let pid = cluster.currentPids()["shard-1"], pid != victim else { return false }
            seen.insert(pid)
            return try cluster.get("/healthz").status == 200
        }
        #expect(healed, "the shard was not restarted:\(cluster.logs())")
        let restarted = try #require(cluster.currentPids()["shard-1"])
        #expect(restarted != victim)
        #expect(kill(restarted, 0) == 0)
    }

    @Test func stopLeavesNoProcessAndNoPidFileBehind() throws {
        let cluster = try TestCluster(shards: 3)
        try cluster.start()
        let pids = cluster.currentPids()
        #expect(Set(pids.keys) == ["gateway", "coordinator", "shard-0", "shard-1", "shard-2"])
        let (status, _) = try cluster.script("cluster", ["stop", "--data", cluster.data])
        #expect(status == 0)
        let allGone = eventually(timeout: .seconds(5)) { pids.values.allSatisfy { kill($0, 0) != 0 } }
        #expect(allGone, "still running: \(pids.filter { kill($0.value, 0) == 0 })")
        #expect(cluster.currentPids().isEmpty)
        #expect(cluster.stop(everSeen: Set(pids.values)).isEmpty)
    }

    /// Linux's autogroup scheduling gives each session an equal share of the CPU, whatever the
    /// nice values of its threads: the processes stay in the session that started them, so that
    /// bulk work at `ThreadExecutor.bulkWorkNiceness` gives way to reads across all of them. Each
    /// has a process group of its own, out of reach of a Ctrl-C meant for its launcher.
    @Test func theProcessesShareTheirLaunchersSessionInProcessGroupsOfTheirOwn() throws {
        let cluster = try TestCluster(shards: 2)
        var seen: Set<Int32> = []
        defer { #expect(cluster.stop(everSeen: seen).isEmpty, "processes left behind") }
        try cluster.start()
        let pids = cluster.currentPids()
        seen.formUnion(pids.values)
        #expect(Set(pids.keys) == ["gateway", "coordinator", "shard-0", "shard-1"])
        for (name, pid) in pids {
            #expect(getsid(pid) == getsid(0), "\(name) runs in a session of its own")
            #expect(getpgid(pid) != getpgrp(), "\(name) runs in its launcher's process group")
        }
    }

    @Test func gatewayAnswers503WithoutACoordinatorAndRecoversWhenStartRunsAgain() throws {
        let cluster = try TestCluster(shards: 2)
        var seen: Set<Int32> = []
        defer { #expect(cluster.stop(everSeen: seen).isEmpty, "processes left behind") }
        try cluster.start()
        let before = cluster.currentPids()
        seen.formUnion(before.values)
        let coordinator = try #require(before["coordinator"])
        kill(coordinator, SIGKILL)

        // The shards die with their coordinator (parent-death signal).
        let shardsGone = eventually(timeout: .seconds(5)) {
            [before["shard-0"], before["shard-1"]].compactMap { $0 }.allSatisfy { kill($0, 0) != 0 }
        }
        #expect(shardsGone, "shards outlived their coordinator")
        let unavailable = try cluster.get("/healthz")
        #expect(unavailable.status == 503)
        #expect(unavailable.json["error"] as? String == "Service unavailable")

        // Half alive: `start` starts a coordinator, keeps the gateway, which reconnects.
        try cluster.start()
        let after = cluster.currentPids()
        seen.formUnion(after.values)
        #expect(after["gateway"] == before["gateway"])
        #expect(after["coordinator"] != coordinator)
        #expect(try cluster.get("/healthz").status == 200)
    }

    @Test func aHungShardIsDetectedByItsMissingHeartbeatsKilledAndRestarted() throws {
        let cluster = try TestCluster(shards: 2)
        var seen: Set<Int32> = []
        defer { #expect(cluster.stop(everSeen: seen).isEmpty, "processes left behind") }
        try cluster.start()
        let hung = try #require(cluster.currentPids()["shard-0"])
        seen.insert(hung)
        kill(hung, SIGSTOP)
        // Heartbeats stop; after 3 s of silence the supervisor kills and restarts it.
        let replaced = try eventually(timeout: .seconds(8)) {
            guard let pid = cluster.currentPids()["shard-0"], pid != hung else { return false }
            seen.insert(pid)
            return try cluster.get("/healthz").status == 200
        }
        #expect(replaced, "\(cluster.logs())")
        #expect(cluster.logs().contains("sent no heartbeat"))
        #expect(kill(hung, 0) != 0)
    }

    @Test func statusReportsEveryProcess() throws {
        let cluster = try TestCluster(shards: 2)
        defer { cluster.stop() }
        try cluster.start()
        let (status, output) = try cluster.script("cluster", ["status", "--data", cluster.data])
        #expect(status == 0)
        for name in ["gateway", "coordinator", "shard-0", "shard-1"] {
            #expect(output.contains("\(name): running"), "\(output)")
        }
    }
}
