import SQLiteDriver
import Testing
import Wire
@testable import Shard

/// Counting an org's contacts by a column reads the one index that leads with (org, column), in
/// its order: no scan of the table, no sort of every contact to group them.
@Suite struct ContactGroupPlanTests {
    private let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("group-plan")
    }

    @Test(arguments: [(ContactGrouping.stage, "contacts_by_stage"), (.owner, "contacts_by_assignee")])
    func groupsAreCountedFromTheirIndexWithoutSortingTheContacts(by: ContactGrouping, index: String) throws {
        let path = "\(scratch.path)/\(by).db"
        _ = try ShardStore(path: path, index: 0, slots: SlotRange(lower: 0, upper: PartitionMap.slotCount))
        let database = try SQLiteDatabase(path: path)
        let explain = try database.prepare("EXPLAIN QUERY PLAN \(ContactGroupQuery.sql(by, org: "?", limit: "?"))")
        try explain.bind([.text("o1"), .integer(ContactGroupQuery.rowsToRead)])
        var details: [String] = []
        while try explain.step() { details.append(explain.text(3)) }
        #expect(details.contains { $0.hasPrefix("SEARCH contacts USING COVERING INDEX \(index) (org=?)") }, "\(details)")
        #expect(!details.contains("USE TEMP B-TREE FOR GROUP BY"), "\(details)")
    }
}
