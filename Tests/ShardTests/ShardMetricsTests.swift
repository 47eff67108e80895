import Testing
import Wire
@testable import Shard

@Suite struct ShardMetricsTests {
    /// A batch's cascade rows are counted by table, the applications deleted with its contacts among them.
    @Test func aBatchCountsItsCascadeRowsByTableApplicationsIncluded() throws {
        let shard = ShardMetrics()
        var before = DeleteCounters()
        before.applications = 2
        before.messages = 4
        var after = before
        after.applications = 7
        after.conversations = 3
        shard.batch(of: .delete, from: before, to: after, took: .milliseconds(10))
        let cascade = try #require(shard.metrics.snapshot().first { $0.name == ShardMetrics.deletedCascadeRows })
        let byTable = Dictionary(uniqueKeysWithValues: cascade.samples.map { sample in
            (sample.labels.first { $0.name == "table" }?.value ?? "", sample.value)
        })
        #expect(byTable == ["applications": 5, "conversations": 3, "messages": 0])
    }

    /// A restore's batch counts in the restore family: what its counters call deleted it put back,
    /// so no deleted record, cascade row, delete batch or delete batch's duration is counted.
    @Test func aRestoreBatchCountsAsARestoreNotADelete() throws {
        let shard = ShardMetrics()
        var after = DeleteCounters()
        after.deleted = 5
        after.messages = 30
        shard.batch(of: .restore, from: DeleteCounters(), to: after, took: .milliseconds(10))
        let snapshot = shard.metrics.snapshot()
        func values(_ name: String) -> [Double]? { snapshot.first { $0.name == name }?.samples.map(\.value) }
        #expect(values(ShardMetrics.deletedRecords) == [0])
        #expect(values(ShardMetrics.deletedCascadeRows)?.allSatisfy { $0 == 0 } == true)
        #expect(values(ShardMetrics.batches) == [0])
        #expect(values(ShardMetrics.batchDuration) == [], "no delete batch was timed")
        #expect(values(ShardMetrics.restoredRecords) == [5])
        #expect(values(ShardMetrics.restoreBatches) == [1])
        #expect(values(ShardMetrics.restoreBatchDuration)?.isEmpty == false)
    }

    /// What an idle shard gives back is added up, and shown as 0 before anything was.
    @Test func reclaimedBytesAddUpFromZero() throws {
        let shard = ShardMetrics()
        func reclaimed() throws -> Double {
            try #require(shard.metrics.snapshot().first { $0.name == ShardMetrics.reclaimedBytes }?.samples.first?.value)
        }
        #expect(try reclaimed() == 0)
        shard.reclaimed(bytes: 8_192)
        shard.reclaimed(bytes: 4_096)
        #expect(try reclaimed() == 12_288)
    }
}
