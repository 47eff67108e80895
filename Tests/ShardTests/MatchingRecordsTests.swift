import Testing
import TestSupport
@testable import Shard
import Wire

/// A shard's page of matching records: its limit, its byte budget, and whether more follow.
@Suite struct MatchingRecordsTests {
    private func record(_ id: String, name: String = "") -> ImportRecord { .plain(id, name: name) }

    @Test func aPageTakesItsLimitAndSaysMoreFollowWhenTheNextRowCame() {
        let query = RecordQuery(org: "o", filter: ContactFilter(), after: nil, limit: 2)
        #expect(MatchingRecords.rowsToRead(query) == 3)
        var page = MatchingRecords(query)
        let taken = [page.add(record("a")), page.add(record("b")), page.add(record("c"))]
        #expect(taken == [true, true, false])
        #expect(page.page == RecordPage(records: [record("a"), record("b")], more: true))
        var short = MatchingRecords(query)
        _ = short.add(record("a"))
        #expect(short.page == RecordPage(records: [record("a")], more: false))
    }

    @Test func aPageStopsAtTheByteBudgetPastItsFirstRecord() {
        let large = String(repeating: "x", count: RecordPage.byteBudget)
        var page = MatchingRecords(RecordQuery(org: "o", filter: ContactFilter(), after: nil, limit: 100))
        let taken = [page.add(record("a", name: large)), page.add(record("b"))]
        #expect(taken == [true, false], "the first record always fits; nothing past the budget")
        #expect(page.page.records.count == 1 && page.page.more)
    }
}
