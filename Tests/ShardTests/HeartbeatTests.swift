#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
import Wire
import WireRuntime
import WireTransport
@testable import Shard

/// A shard's heartbeats, on a clock the test moves: one at once, then one each interval, and none
/// before it has passed.
@Suite struct HeartbeatTests {
    private let log = Log(process: "heartbeat-test", minimumLevel: .error)

    @Test func aHeartbeatGoesOutAtOnceThenOnceEachIntervalAsTheClockMoves() async throws {
        let scratch = try ScratchDirectory("heartbeat")
        let store = try SQLiteShardStore(path: "\(scratch.path)/beat.db", index: 0, slots: SlotRange(lower: 0, upper: PartitionMap.slotCount))
        let loop = try EventLoop(name: "heartbeat-test")
        loop.start()
        defer { loop.stop() }
        let coordinator = try TestServer(loop: loop)
        defer { coordinator.stop() }
        let link = PeerLink(path: coordinator.path, hello: Hello(role: .shard, shardIndex: 0, pid: getpid()), loop: loop, delegate: RecordingDelegate(), log: log)
        let linked = Task { await link.run() }
        await link.waitUntilConnected()

        let clock = ManualClock()
        let beating = Task { await ShardProcess.sendHeartbeats(over: link, publisher: OutboxPublisher(store: store, log: log), clock: clock) }
        let beats = { coordinator.delegate.notices.withLock { $0 } }
        try await waitUntil { beats().count == 1 && clock.sleepers == 1 }
        clock.advance(by: ShardProcess.heartbeatInterval - .milliseconds(1))
        #expect(clock.sleepers == 1, "a heartbeat went out before its interval")
        clock.advance(by: .milliseconds(1))
        try await waitUntil { beats().count == 2 && clock.sleepers == 1 }
        #expect(beats() == [.heartbeat(sequence: 1), .heartbeat(sequence: 2)])

        beating.cancel()
        await beating.value
        linked.cancel()
        await linked.value
    }
}
