import Foundation
import TestSupport
import Testing

/// After a large permanent delete, a real cluster's idle shard gives its disk back and says so in
/// `/metrics`: a tenant that deleted everything should not keep paying for the space. (A
/// restorable delete keeps its records until its window ends: the purge gives that space back.)
@Suite(.serialized) struct DiskReclaimEndToEndTests {
    /// More than `ReclaimSchedule.deletedRecords` (10,000): a delete worth giving space back for.
    static let contacts = 12_000

    /// The bytes of the shard's database file (without its WAL): what must shrink.
    private static func shardBytes(_ cluster: TestCluster) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: "\(cluster.data)/shards/shard-0.db")[.size] as? Int) ?? 0
    }

    private static func reclaimedBytes(_ cluster: TestCluster) throws -> Double {
        try MetricsEndToEndTests.parse(try cluster.get("/metrics").body).samples
            .filter { $0.name == "tether_storage_reclaimed_bytes_total" }.reduce(0) { $0 + $1.value }
    }

    @Test func anIdleShardGivesALargeDeletesDiskBackAndCountsItInMetrics() throws {
        let (cluster, admin) = try TestCluster.seeded(shards: 1, contacts: Self.contacts)
        defer { cluster.stop() }
        #expect(try Self.reclaimedBytes(cluster) == 0)
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"permanent":true}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        let job = try cluster.waitForJob(jobId, token: admin, timeout: .seconds(120))
        #expect(job["deleted"] as? Int == Self.contacts)
        // Idle for ReclaimSchedule.idleFor (5 s), then a step at a time, then the WAL truncated, when the
        // file shrinks. Until the WAL is copied back, the file can still grow: its largest is the reference.
        var largest = Self.shardBytes(cluster)
        var reclaimed = 0.0
        let gaveBack = try eventually(timeout: .seconds(30)) {
            largest = max(largest, Self.shardBytes(cluster))
            reclaimed = try Self.reclaimedBytes(cluster)
            return reclaimed > 0 && Self.shardBytes(cluster) <= largest - Int(reclaimed) / 2
        }
        #expect(gaveBack, "reclaimed \(reclaimed) bytes; the database file at most \(largest) bytes, \(Self.shardBytes(cluster)) now")
    }
}
