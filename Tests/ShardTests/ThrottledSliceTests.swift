#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
import Wire
import WireRuntime
import WireTransport
@testable import Shard

/// A throttled slice run by the real `SliceRunner` over a real SQLite file, on a clock the test
/// moves: it deletes at its pace, and at once when rethrottled. (`ThrottleEndToEndTests` checks
/// that a job's `requestsPerSecond` reaches the shards.)
@Suite struct ThrottledSliceTests {
    private let scratch: ScratchDirectory
    private let log = Log(process: "throttle-test", minimumLevel: .error)

    init() throws {
        scratch = try ScratchDirectory("throttle")
    }

    @Test func aThrottledSliceDeletesAtItsPaceAsTheClockMovesThenAtOnceWhenRethrottled() async throws {
        let store = try SQLiteShardStore(path: "\(scratch.path)/paced.db", index: 0, slots: SlotRange(lower: 0, upper: PartitionMap.slotCount))
        _ = try await store.importRecords(org: "o1", (0..<3_000).map { sliceContact($0, stage: "gone", assignee: nil) })
        let deleted = { 3_000 - Int(try await store.stats(org: "o1").contacts) }
        // Progress goes to a peer nobody reads: this test reads the store.
        let loop = try EventLoop(name: "throttle-test")
        loop.start()
        defer { loop.stop() }
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[1]) }
        try Socket.setNonBlocking(pair[0])
        let coordinator = Connection(
            fd: pair[0], label: "coordinator", loop: loop, side: .connecting(Hello(role: .shard, shardIndex: 0, pid: 1)),
            delegate: RecordingDelegate(), log: log)
        defer { coordinator.close() }

        let clock = ManualClock()
        let runner = SliceRunner(store: store, publisher: OutboxPublisher(store: store, log: log), metrics: ShardMetrics(), clock: clock, log: log)
        let running = Task { await runner.run() }
        defer { running.cancel() }
        var everything = ContactFilter()
        everything.orgWide = true
        var assignment = SliceAssignment(jobId: "j1", org: "o1", requester: "admin", filter: everything)
        assignment.recordsPerSecond = 200
        _ = try await runner.start(assignment, reportingTo: coordinator)

        // The first batch goes at once, half a second's worth; then the runner waits for the clock.
        try await waitUntil { clock.sleepers == 1 }
        #expect(try await deleted() == 100)
        // 1.5 s at 200 a second: three more batches of 100, however fast the machine.
        for _ in 0..<15 {
            clock.advance(by: .milliseconds(100))
            try await waitUntil { clock.sleepers == 1 }
        }
        #expect(try await deleted() == 400, "the pace did not hold")

        #expect(await runner.rethrottle("j1", recordsPerSecond: nil))
        // Its wait ends within `throttleCheck`; then the rest goes without waiting for the clock.
        clock.advance(by: SliceRunner.throttleCheck)
        try await waitUntil(timeout: .seconds(20)) { (try? await deleted()) == 3_000 }
        #expect(clock.sleepers == 0, "an unthrottled slice waited for the clock")
    }
}
