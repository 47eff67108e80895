import Testing
import WireRuntime
@testable import Coordinator

@Suite struct ShardRosterTests {
    let start = ContinuousClock.now

    @Test func acceptsOnlyTheProcessSpawnedForAShard() {
        var roster = ShardRoster(shardCount: 2)
        roster.spawned(0, pid: 100, at: start)
        #expect(roster.registered(0, pid: 999, at: start) == .refuse("shard 0 runs as pid 100, not 999"))
        #expect(roster.registered(0, pid: 100, at: start) == .accept)
        #expect(roster.registered(0, pid: 100, at: start) == .refuse("shard 0 is already connected"))
        #expect(roster.registered(5, pid: 100, at: start) == .refuse("shard index 5 is outside this cluster's 0..<2"))
        #expect(roster.registered(1, pid: 100, at: start) == .refuse("shard 1 runs as pid none, not 100"))
    }

    @Test func aDisconnectedProcessMayRegisterAgain() {
        var roster = ShardRoster(shardCount: 1)
        roster.spawned(0, pid: 100, at: start)
        _ = roster.registered(0, pid: 100, at: start)
        roster.disconnected(0, pid: 100, at: start + .seconds(1))
        #expect(roster.state(of: 0) == .disconnected(pid: 100, since: start + .seconds(1)))
        #expect(roster.registered(0, pid: 100, at: start + .seconds(2)) == .accept)
    }

    @Test func healthCountsRegisteredShardsAsUp() {
        var roster = ShardRoster(shardCount: 3)
        roster.spawned(0, pid: 100, at: start)
        roster.spawned(1, pid: 101, at: start)
        _ = roster.registered(0, pid: 100, at: start)
        #expect(roster.health.map(\.up) == [true, false, false])
        roster.disconnected(0, pid: 100, at: start)
        #expect(roster.health.map(\.up) == [false, false, false])
        #expect(roster.health.map(\.pid) == [100, 101, 0])
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
            #expect(roster.state(of: 0) == .restarting)
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
        #expect(roster.state(of: 0).pid == 100)
    }

    @Test func nothingRestartsOnceShutdownBegan() {
        var roster = ShardRoster(shardCount: 3)
        roster.spawned(0, pid: 100, at: start)
        roster.spawned(1, pid: 101, at: start)
        #expect(roster.beginShutdown() == [100, 101])
        #expect(roster.exited(0, pid: 100, exit: nil, at: start) == .none)
        #expect(roster.registered(1, pid: 101, at: start) == .refuse("the cluster is stopping"))
        #expect(roster.expireDeadlines(at: start + .seconds(60)).isEmpty)
        #expect(roster.hasProcesses)
        _ = roster.exited(1, pid: 101, exit: nil, at: start)
        #expect(!roster.hasProcesses)
    }

    // MARK: - Deadlines

    /// One shard's history, then the moment the deadlines are checked.
    struct DeadlineCase: CustomTestStringConvertible, Sendable {
        let name: String
        /// Seconds after the start at which each event happens.
        let events: [(at: Double, event: Event)]
        let checkedAt: Double
        let killed: String?

        enum Event { case spawned, registered, heard, disconnected }

        var testDescription: String { name }
    }

    static let deadlineCases: [DeadlineCase] = [
        .init(name: "spawned, checked within the start deadline", events: [(0, .spawned)], checkedAt: 9.9, killed: nil),
        .init(name: "spawned and never registered (stopped at birth)", events: [(0, .spawned)], checkedAt: 10.1,
              killed: "did not register within 10.0 seconds of its start"),
        .init(name: "registered late but in time", events: [(0, .spawned), (9.5, .registered)], checkedAt: 11, killed: nil),
        .init(name: "registered, then silent", events: [(0, .spawned), (1, .registered)], checkedAt: 4.1,
              killed: "sent no heartbeat for 3.0 seconds"),
        .init(name: "registered, heard lately", events: [(0, .spawned), (1, .registered), (3, .heard)], checkedAt: 5.5, killed: nil),
        .init(name: "disconnected and never back", events: [(0, .spawned), (1, .registered), (2, .disconnected)], checkedAt: 12.1,
              killed: "did not reconnect within 10.0 seconds of losing its connection"),
        .init(name: "disconnected, still within the deadline", events: [(0, .spawned), (1, .registered), (2, .disconnected)], checkedAt: 11.9,
              killed: nil),
    ]

    @Test(arguments: deadlineCases)
    func aProcessPastItsDeadlineIsKilledOnce(_ test: DeadlineCase) {
        var roster = ShardRoster(shardCount: 2)
        let at = { (seconds: Double) in self.start + .milliseconds(Int(seconds * 1000)) }
        for (time, event) in test.events {
            switch event {
            case .spawned: roster.spawned(0, pid: 100, at: at(time))
            case .registered: #expect(roster.registered(0, pid: 100, at: at(time)) == .accept)
            case .heard: roster.heard(0, at: at(time))
            case .disconnected: roster.disconnected(0, pid: 100, at: at(time))
            }
        }
        let kills = roster.expireDeadlines(at: at(test.checkedAt))
        #expect(kills == test.killed.map { [ShardRoster.Kill(shard: 0, pid: 100, reason: $0)] } ?? [])
        guard test.killed != nil else { return }
        #expect(roster.state(of: 0) == .overdue(pid: 100))
        // Killed once; the process can no longer register, and its exit restarts the shard.
        #expect(roster.expireDeadlines(at: at(test.checkedAt + 60)).isEmpty)
        #expect(roster.registered(0, pid: 100, at: at(test.checkedAt)) == .refuse("shard 0 (pid 100) missed its deadline and is being killed"))
        #expect(roster.exited(0, pid: 100, exit: nil, at: at(test.checkedAt + 0.1)) == .restart(after: .milliseconds(50)))
    }

    // MARK: - Restart intensity

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

    @Test func aShardPastTheIntensityCoolsDownForLongerEachTimeAndIsNeverGivenUp() {
        var roster = ShardRoster(shardCount: 1, intensity: RestartIntensity(maxRestarts: 3, window: .seconds(60)))
        var now = start
        var actions: [ShardRoster.ExitAction] = []
        var pid: Int32 = 100
        for _ in 0..<12 {
            roster.spawned(0, pid: pid, at: now)
            now += .seconds(1)
            actions.append(roster.exited(0, pid: pid, exit: nil, at: now))
            pid += 1
        }
        let coolDowns = actions.compactMap { action -> Duration? in
            if case .coolDown(let delay, _) = action { delay } else { nil }
        }
        // Every fourth exit inside the window cools down, each time twice as long.
        #expect(coolDowns == [.seconds(5), .seconds(10), .seconds(20)])
        #expect(actions[3] == .coolDown(after: .seconds(5), reason: "shard 0 exited more than 3 times within 60.0 seconds"))
        #expect(roster.state(of: 0) == .coolingDown(until: now + .seconds(20)))
        #expect(roster.failure(of: 0) == nil)
        #expect(roster.health[0].up == false)
    }

    @Test func aStableRunForgetsTheCoolDown() {
        var roster = ShardRoster(shardCount: 1, intensity: RestartIntensity(maxRestarts: 0, window: .seconds(60)))
        roster.spawned(0, pid: 100, at: start)
        #expect(roster.exited(0, pid: 100, exit: nil, at: start + .seconds(1)) == .coolDown(after: .seconds(5), reason:
            "shard 0 exited more than 0 times within 60.0 seconds"))
        roster.spawned(0, pid: 101, at: start + .seconds(6))
        #expect(roster.exited(0, pid: 101, exit: nil, at: start + .seconds(7)) == .coolDown(after: .seconds(10), reason:
            "shard 0 exited more than 0 times within 60.0 seconds"))
        roster.spawned(0, pid: 102, at: start + .seconds(17))
        let afterStableRun = start + .seconds(17) + ShardRoster.stableRunTime
        #expect(roster.exited(0, pid: 102, exit: nil, at: afterStableRun) == .coolDown(after: .seconds(5), reason:
            "shard 0 exited more than 0 times within 60.0 seconds"))
    }

    @Test func theCoolDownReasonSaysWhyTheShardLastExited() {
        var roster = ShardRoster(shardCount: 1, intensity: RestartIntensity(maxRestarts: 1, window: .seconds(60)))
        roster.spawned(0, pid: 100, at: start)
        #expect(roster.exited(0, pid: 100, exit: .databaseLocked, at: start + .seconds(1)) == .restart(after: .milliseconds(50)))
        roster.spawned(0, pid: 101, at: start + .seconds(2))
        #expect(roster.exited(0, pid: 101, exit: .databaseLocked, at: start + .seconds(3)) == .coolDown(after: .seconds(5), reason:
            "shard 0 exited more than 1 times within 60.0 seconds; the last time its database is locked by another process (exit code 75)"))
    }

    @Test(arguments: [ShardExit.corruptDatabase, .misconfigured])
    func anExitNoRestartCanCureGivesUpAtOnce(exit: ShardExit) {
        var roster = ShardRoster(shardCount: 2)
        roster.spawned(0, pid: 100, at: start)
        #expect(roster.exited(0, pid: 100, exit: exit, at: start + .seconds(1)) == .giveUp(reason:
            "shard 0 cannot run: \(exit.explanation) (exit code \(exit.rawValue))"))
        #expect(roster.state(of: 0) == .givenUp(reason: "shard 0 cannot run: \(exit.explanation) (exit code \(exit.rawValue))"))
        #expect(roster.failure(of: 0) != nil)
        #expect(roster.failure(of: 1) == nil)
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
