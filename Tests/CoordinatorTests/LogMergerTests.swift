import Testing
import Wire
@testable import Coordinator

@Suite struct LogMergerTests {
    private func entry(_ shard: UInt32, _ seq: Int64, at time: Int64) -> LogEntry {
        LogEntry(shard: shard, seq: seq, type: "CONTACT_DELETE", jobId: "j", actor: "a", recordId: "r\(shard)-\(seq)", snapshot: "{}", createdAt: time)
    }

    @Test func takesTheOldestAcrossShardsAndAdvancesOnlyWhatItTook() {
        let pages: [(total: UInt64, entries: [LogEntry])] = [
            (3, [entry(0, 1, at: 10), entry(0, 2, at: 30), entry(0, 3, at: 50)]),
            (2, [entry(1, 1, at: 20), entry(1, 2, at: 40)]),
        ]
        let page = LogMerger.merge(pages, after: [0, 0], limit: 3)
        #expect(page.entries.map(\.createdAt) == [10, 20, 30])
        #expect(page.next == [2, 1])
        #expect(page.total == 5)
    }

    @Test func saysThereIsNoNextPageWhenEverythingWasTaken() {
        let page = LogMerger.merge([(1, [entry(0, 4, at: 1)]), (0, [])], after: [3, 9], limit: 5)
        #expect(page.next == nil)
        #expect(page.entries.count == 1)
    }

    @Test func breaksTiesInTimeByShardThenSequence() {
        let page = LogMerger.merge([(1, [entry(1, 1, at: 5)]), (2, [entry(0, 2, at: 5), entry(0, 1, at: 5)])], after: [0, 0], limit: 2)
        #expect(page.entries.map(\.recordId) == ["r0-1", "r0-2"])
        #expect(page.next == [2, 0])
    }
}
