import Testing
import Wire
@testable import Coordinator

@Suite struct LogMergerTests {
    private func entry(_ shard: UInt32, _ seq: Int64, at time: Int64) -> LogEntry {
        LogEntry(shard: shard, seq: seq, type: "CONTACT_DELETE", jobId: "j", actor: "a", recordId: "r\(shard)-\(seq)", snapshot: "{}", createdAt: time)
    }

    /// A shard's answer; `cut` as a shard marks a page it stopped at the byte budget.
    private func page(_ total: UInt64, _ entries: [LogEntry], cut: Bool = false) -> LogPage {
        LogPage(total: total, entries: entries, next: cut ? [entries.last?.seq ?? 0] : nil)
    }

    @Test func takesTheOldestAcrossShardsAndAdvancesOnlyWhatItTook() {
        let pages = [
            page(3, [entry(0, 1, at: 10), entry(0, 2, at: 30), entry(0, 3, at: 50)]),
            page(2, [entry(1, 1, at: 20), entry(1, 2, at: 40)]),
        ]
        let page = LogMerger.merge(pages, after: [0, 0], limit: 3)
        #expect(page.entries.map(\.createdAt) == [10, 20, 30])
        #expect(page.next == [2, 1])
        #expect(page.total == 5)
    }

    @Test func saysThereIsNoNextPageWhenEverythingWasTaken() {
        let page = LogMerger.merge([page(1, [entry(0, 4, at: 1)]), page(0, [])], after: [3, 9], limit: 5)
        #expect(page.next == nil)
        #expect(page.entries.count == 1)
    }

    @Test func breaksTiesInTimeByShardThenSequence() {
        let page = LogMerger.merge([page(2, [entry(0, 2, at: 5), entry(0, 1, at: 5)]), page(1, [entry(1, 1, at: 5)])], after: [0, 0], limit: 2)
        #expect(page.entries.map(\.recordId) == ["r0-1", "r0-2"])
        #expect(page.next == [2, 0])
    }

    /// Shard 0 stopped at its byte budget after seq 1: its next entry may be older than
    /// shard 1's, so the page ends where shard 0's entries do and continues from there.
    @Test func neverTakesPastTheLastEntryOfAShardThatWasCut() {
        let pages = [page(9, [entry(0, 1, at: 10)], cut: true), page(2, [entry(1, 1, at: 20), entry(1, 2, at: 40)])]
        let merged = LogMerger.merge(pages, after: [0, 0], limit: 50)
        #expect(merged.entries.map(\.recordId) == ["r0-1"])
        #expect(merged.next == [1, 0])
    }

    @Test func aPageOfLargeEntriesIsCutAtTheByteBudgetAndContinues() {
        let large = String(repeating: "x", count: LogPage.byteBudget / 3)
        let entries = (1...5).map { seq in
            LogEntry(shard: 0, seq: Int64(seq), type: "CONTACT_DELETE", jobId: "j", actor: "a", recordId: "r\(seq)", snapshot: large, createdAt: Int64(seq))
        }
        let merged = LogMerger.merge([page(5, entries)], after: [0], limit: 50)
        #expect(merged.entries.count == 2)
        #expect(merged.next == [2])
        #expect(merged.entries.reduce(0) { $0 + $1.encodedSize } <= LogPage.byteBudget)
    }

    @Test func aSingleEntryOverTheBudgetStillMakesAPage() {
        let huge = LogEntry(
            shard: 0, seq: 1, type: "CONTACT_DELETE", jobId: "j", actor: "a", recordId: "r", snapshot: String(repeating: "x", count: LogPage.byteBudget),
            createdAt: 1)
        let merged = LogMerger.merge([page(2, [huge], cut: true)], after: [0], limit: 50)
        #expect(merged.entries.count == 1 && merged.next == [1])
    }
}
