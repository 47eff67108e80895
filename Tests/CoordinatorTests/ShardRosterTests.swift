import Testing
import Wire
@testable import Coordinator

@Suite struct ShardRosterTests {
    let start = ContinuousClock.now

    @Test func acceptsOnlyTheProcessSpawnedForAShard() {
        var roster = ShardRoster(shardCount: 2)
        roster.spawned(0, pid: 100, at: start)
        #expect(roster.registered(0, pid: 999) == .refuse("shard 0 runs as pid 100, not 999"))
        #expect(roster.registered(0, pid: 100) == .accept)
        #expect(roster.registered(0, pid: 100) == .refuse("shard 0 is already connected"))
        #expect(roster.registered(5, pid: 100) == .refuse("shard index 5 is outside this cluster's 0..<2"))
    }

    @Test func healthCountsConnectedShardsAsUp() {
        var roster = ShardRoster(shardCount: 3)
        roster.spawned(0, pid: 100, at: start)
        roster.spawned(1, pid: 101, at: start)
        _ = roster.registered(0, pid: 100)
        #expect(roster.health.map(\.up) == [true, false, false])
        roster.disconnected(0, pid: 100)
        #expect(roster.health.map(\.up) == [false, false, false])
    }

    @Test func anExitRestartsTheShardWithGrowingDelay() {
        var roster = ShardRoster(shardCount: 1)
        var now = start
        var delays: [Duration] = []
        for pid in Int32(100)..<104 {
            roster.spawned(0, pid: pid, at: now)
            now += .milliseconds(10)
            guard case .restart(let delay) = roster.exited(0, pid: pid, exit: nil, at: now) else {
                Issue.record("no restart for pid \(pid)")
                return
            }
            delays.append(delay)
        }
        #expect(delays == [.milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(400)])
        #expect(roster.health[0].restarts == 4)
    }

    @Test func aShardThatRanStablyRestartsWithoutTheAccumulatedDelay() {
        var roster = ShardRoster(shardCount: 1)
        roster.spawned(0, pid: 100, at: start)
        _ = roster.exited(0, pid: 100, exit: nil, at: start + .milliseconds(5))
        roster.spawned(0, pid: 101, at: start + .milliseconds(60))
        let action = roster.exited(0, pid: 101, exit: nil, at: start + .milliseconds(60) + ShardRoster.stableRunTime)
        #expect(action == .restart(after: .milliseconds(50)))
    }

    @Test func anExitOfAStalePidIsIgnored() {
        var roster = ShardRoster(shardCount: 1)
        roster.spawned(0, pid: 100, at: start)
        #expect(roster.exited(0, pid: 55, exit: nil, at: start) == .none)
        #expect(roster.entries[0].pid == 100)
    }

    @Test func nothingRestartsOnceShutdownBegan() {
        var roster = ShardRoster(shardCount: 2)
        roster.spawned(0, pid: 100, at: start)
        roster.spawned(1, pid: 101, at: start)
        #expect(roster.beginShutdown() == [100, 101])
        #expect(roster.exited(0, pid: 100, exit: nil, at: start) == .none)
        #expect(roster.registered(1, pid: 101) == .refuse("the cluster is stopping"))
    }

    @Test func aConnectedShardSilentPastTheHeartbeatTimeoutIsOverdue() {
        var roster = ShardRoster(shardCount: 2)
        roster.spawned(0, pid: 100, at: start)
        roster.spawned(1, pid: 101, at: start)
        _ = roster.registered(0, pid: 100)
        _ = roster.registered(1, pid: 101)
        roster.heard(0, at: start)
        roster.heard(1, at: start)
        roster.heard(1, at: start + .seconds(3))
        let overdue = roster.overdue(at: start + ShardRoster.heartbeatTimeout + .milliseconds(1))
        #expect(overdue.map(\.shard) == [0])
        #expect(overdue.map(\.pid) == [100])
    }

    @Test func decodesWaitStatuses() {
        #expect(ChildProcess.describe(status: 9) == "signal 9")
        #expect(ChildProcess.describe(status: 3 << 8) == "exit code 3")
    }

    @Test func optionsDefaultTheShardBinaryToTheCoordinatorsSibling() throws {
        let options = try CoordinatorOptions(arguments: ["--data", "/d", "--shards", "3"], executable: "/opt/tb/bin/coordinator")
        #expect(options.shardExecutable == "/opt/tb/bin/shard")
        #expect(options.shardCount == 3)
        #expect(throws: ProcessOptions.UsageError.self) {
            try CoordinatorOptions(arguments: ["--data", "/d", "--shards", "1000"], executable: "/c")
        }
    }

    @Test func givesUpOnAShardThatExitsMoreOftenThanTheIntensityAllows() {
        var roster = ShardRoster(shardCount: 1, intensity: RestartIntensity(maxRestarts: 3, window: .seconds(60)))
        var now = start
        var actions: [ShardRoster.ExitAction] = []
        for pid in Int32(100)..<104 {
            roster.spawned(0, pid: pid, at: now)
            now += .seconds(1)
            actions.append(roster.exited(0, pid: pid, exit: nil, at: now))
        }
        #expect(actions.prefix(3).allSatisfy { if case .restart = $0 { true } else { false } })
        #expect(actions[3] == .giveUp(reason: "shard 0 exited more than 3 times within 60.0 seconds"))
        #expect(roster.entries[0].phase == .failed)
    }

    @Test func theGiveUpReasonSaysWhyTheShardLastExited() {
        var roster = ShardRoster(shardCount: 1, intensity: RestartIntensity(maxRestarts: 1, window: .seconds(60)))
        roster.spawned(0, pid: 100, at: start)
        #expect(roster.exited(0, pid: 100, exit: .databaseLocked, at: start + .seconds(1)) == .restart(after: .milliseconds(50)))
        roster.spawned(0, pid: 101, at: start + .seconds(2))
        #expect(roster.exited(0, pid: 101, exit: .databaseLocked, at: start + .seconds(3)) == .giveUp(reason:
            "shard 0 exited more than 1 times within 60.0 seconds; the last time its database is locked by another process (exit code 75)"))
    }

    @Test(arguments: [ShardExit.corruptDatabase, .misconfigured])
    func anExitNoRestartCanCureGivesUpAtOnce(exit: ShardExit) {
        var roster = ShardRoster(shardCount: 2)
        roster.spawned(0, pid: 100, at: start)
        #expect(roster.exited(0, pid: 100, exit: exit, at: start + .seconds(1)) == .giveUp(reason:
            "shard 0 cannot run: \(exit.explanation) (exit code \(exit.rawValue))"))
        #expect(roster.entries[0].phase == .failed)
        #expect(roster.entries[1].phase != .failed)
    }

    @Test func exitStatusesDecodeToTheReasonsShardsExitWith() {
        for exit in ShardExit.allCases { #expect(ShardExit(waitStatus: exit.rawValue << 8) == exit) }
        #expect(ShardExit(waitStatus: 42 << 8) == .failure)
        #expect(ShardExit(waitStatus: 9) == nil)  // killed by SIGKILL
        #expect(ShardExit.allCases.filter(\.restartMayHelp) == [.failure, .storageUnavailable, .databaseLocked])
        // An unlisted code reads as `.failure`, so no code is claimed for it.
        #expect(ShardExit(waitStatus: 127 << 8)?.explanationWithCode == "it failed")
        #expect(ShardExit.databaseLocked.explanationWithCode == "its database is locked by another process (exit code 75)")
    }

    @Test func restartsSpreadBeyondTheWindowAreNeverTooMany() {
        var intensity = RestartIntensity(maxRestarts: 2, window: .seconds(10))
        let answers = [0, 5, 9, 10].map { intensity.allowRestart(at: start + .seconds($0)) }
        // The third within 10 s is refused; at 10 s the first has left the window.
        #expect(answers == [true, true, false, true])
    }
}
