import Testing
import Wire
@testable import Shard

extension SQLiteShardStore {
    /// The `detail` lines of `EXPLAIN QUERY PLAN` for each per-record statement of a delete batch.
    func deleteBatchPlans() throws -> [String: [String]] {
        var plans: [String: [String]] = [:]
        for statement in deletes.perRecordStatements {
            let explain = try database.prepare("EXPLAIN QUERY PLAN \(statement.sql)")
            var details: [String] = []
            while try explain.step() { details.append(explain.text(3)) }
            plans[statement.sql] = details
        }
        return plans
    }

    /// The `detail` lines of `EXPLAIN QUERY PLAN` for the statement choosing a batch under `filter`.
    func choosePlan(_ filter: ContactFilter) throws -> [String] {
        let predicate = FilterCompiler.predicate(for: filter, org: "o1")
        let explain = try database.prepare("EXPLAIN QUERY PLAN \(SQLiteDeleteStatements.chooseBatchSQL(filter.pipeline, predicate))")
        try explain.bind(predicate.bindings + [.integer(1), .integer(10)])
        var details: [String] = []
        while try explain.step() { details.append(explain.text(3)) }
        return details
    }
}

@Suite struct DeleteBatchPlanTests {
    private let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("plan")
    }

    /// Every statement of a batch reads the chosen records and reaches each
    /// one by key: a scan of a data table would make each batch as slow as the whole table.
    @Test func everyBatchStatementSeeksItsRowsByKey() async throws {
        let store = try SQLiteShardStore(path: "\(scratch.path)/p.db", index: 0, slots: SlotRange(lower: 0, upper: PartitionMap.slotCount))
        let plans = try await store.deleteBatchPlans()
        #expect(plans.count == 13)
        for (sql, details) in plans {
            #expect(details.contains("SCAN temp.delete_batch") || details.contains("SCAN delete_batch"), "\(sql): \(details)")
            let scans = details.filter { $0.hasPrefix("SCAN") && !$0.contains("delete_batch") }
            #expect(scans.isEmpty, "\(sql): \(details)")
            if sql.hasPrefix("DELETE") {
                #expect(details.contains { $0.hasPrefix("SEARCH") && ($0.contains("PRIMARY KEY") || $0.contains("rowid=?")) }
                    || sql.contains("contact_id IN"), "\(sql): \(details)")
            }
            // A contact's applications, by contact: not every application of the org for each batch.
            if sql.contains("contact_id IN") {
                #expect(details.contains { $0.hasPrefix("SEARCH") && $0.contains("USING INDEX applications_by_contact (org=? AND contact_id=?)") }, "\(sql): \(details)")
            }
        }
    }

    /// An org-wide batch is taken in `seq` order from the `(org)` index, without
    /// sorting; a stage filter keeps its own index, in its order.
    @Test func anOrgWideBatchIsTakenInSeqOrderAndANarrowerOneFromItsIndexWithoutSorting() async throws {
        let store = try SQLiteShardStore(path: "\(scratch.path)/q.db", index: 0, slots: SlotRange(lower: 0, upper: PartitionMap.slotCount))
        var orgWide = ContactFilter()
        orgWide.orgWide = true
        let wide = try await store.choosePlan(orgWide)
        #expect(wide.contains { $0.contains("contacts_by_org") }, "\(wide)")
        orgWide.pipeline = .application
        let applications = try await store.choosePlan(orgWide)
        #expect(applications.contains { $0.contains("applications_by_org") }, "\(applications)")
        var staged = ContactFilter()
        staged.stageIds = ["s1", "s2"]
        let narrow = try await store.choosePlan(staged)
        #expect(narrow.contains { $0.contains("contacts_by_stage") }, "\(narrow)")
        for plan in [wide, applications, narrow] { #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)") }
    }
}
