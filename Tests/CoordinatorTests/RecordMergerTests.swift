import Testing
import TestSupport
@testable import Coordinator
import Wire

@Suite struct RecordMergerTests {
    private func record(_ id: String, name: String = "") -> ImportRecord { .plain(id, name: name) }

    private func page(_ ids: [String], more: Bool = false) -> RecordPage {
        RecordPage(records: ids.map { record($0) }, more: more)
    }

    private func ids(_ page: RecordPage) -> [String] { page.records.map(\.id) }

    @Test func takesTheLowestIdsOfEveryShardUpToTheLimit() {
        let merged = RecordMerger.merge([page(["b", "d", "f"]), page(["a", "c"]), page([])], limit: 4)
        #expect(ids(merged) == ["a", "b", "c", "d"])
        #expect(merged.more, "f was left for the next page")
        #expect(!RecordMerger.merge([page(["b"]), page(["a"])], limit: 4).more)
        #expect(ids(RecordMerger.merge([page([]), page([])], limit: 4)).isEmpty)
    }

    /// A shard with more past its last record may hold the next id: the page ends there.
    @Test func neverTakesPastTheLastRecordOfAShardWithMore() {
        let merged = RecordMerger.merge([page(["a", "c"], more: true), page(["b", "d", "e"])], limit: 10)
        #expect(ids(merged) == ["a", "b", "c"])
        #expect(merged.more)
    }

    @Test func stopsAtTheByteBudgetButAlwaysTakesOne() {
        let large = String(repeating: "x", count: RecordPage.byteBudget / 2)
        let pages = [RecordPage(records: [record("a", name: large), record("b", name: large), record("c", name: large)], more: false)]
        let merged = RecordMerger.merge(pages, limit: 10)
        #expect(ids(merged) == ["a"])
        #expect(merged.more)
        let huge = [RecordPage(records: [record("a", name: large + large + large)], more: false)]
        #expect(ids(RecordMerger.merge(huge, limit: 10)) == ["a"])
    }
}
