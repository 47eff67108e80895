import Wire
import WireRuntime

/// What a shard counts for `GET /metrics`: its job batches, how long they took, what they
/// deleted or restored, and what the purge removed. The coordinator labels every series with the
/// shard's number. A restore's batches are a family of their own, as their deleted counter holds
/// what they put back: counted with deletes, they made deletes look faster, more frequent and larger.
struct ShardMetrics: Sendable {
    let metrics = Metrics()

    static let deletedRecords = "tether_deleted_records_total"
    static let deletedCascadeRows = "tether_deleted_cascade_rows_total"
    static let batches = "tether_delete_batches_total"
    static let batchDuration = "tether_delete_batch_duration_seconds"
    static let reclaimedBytes = "tether_storage_reclaimed_bytes_total"
    static let purgedRecords = "tether_purged_records_total"
    static let restoredRecords = "tether_restored_records_total"
    static let restoreBatches = "tether_restore_batches_total"
    static let restoreBatchDuration = "tether_restore_batch_duration_seconds"

    init() {
        metrics.declare(Self.deletedRecords, .counter, help: "Records (contacts or applications) deleted by bulk-delete jobs.")
        metrics.declare(Self.deletedCascadeRows, .counter, help: "Conversations, messages and applications deleted with their contacts, by table.")
        metrics.declare(Self.batches, .counter, help: "Delete batches committed (each one transaction with its checkpoint).")
        metrics.declare(Self.batchDuration, .histogram, help: "How long a delete batch took, from choosing its records to its commit.")
        metrics.declare(Self.reclaimedBytes, .counter, help: "Bytes of storage given back to the file system once idle after deletes (SQLite: pages its incremental vacuum freed; PostgreSQL: what its vacuum and reindex took off the tables).")
        metrics.declare(Self.purgedRecords, .counter, help: "Kept records (contacts and applications) of restorable deletes purged once their restore window ended.")
        metrics.declare(Self.restoredRecords, .counter, help: "Records (contacts or applications) put back by restore jobs.")
        metrics.declare(Self.restoreBatches, .counter, help: "Restore batches committed (each one transaction with its checkpoint).")
        metrics.declare(
            Self.restoreBatchDuration, .histogram, help: "How long a restore batch took, from choosing its records to its commit.")
        // Shown from the first scrape, before any batch.
        let counters = [
            Self.deletedRecords, Self.batches, Self.reclaimedBytes, Self.purgedRecords, Self.restoredRecords, Self.restoreBatches,
        ]
        for name in counters { metrics.add(name, 0) }
        for (table, _) in Self.cascadeTables { metrics.add(Self.deletedCascadeRows, 0, labels: ["table": table]) }
    }

    /// The tables a contact's delete cascades to, as labelled, and the counter of each.
    private static let cascadeTables: [(String, any KeyPath<DeleteCounters, UInt64> & Sendable)] = [
        ("conversations", \.conversations), ("messages", \.messages), ("applications", \.applications),
    ]

    /// One committed batch of a job of `kind`: the slice's counters before and after it, and how long it took.
    func batch(of kind: JobKind, from before: DeleteCounters, to after: DeleteCounters, took: Duration) {
        switch kind {
        case .delete:
            metrics.add(Self.deletedRecords, Double(after.deleted.saturatingSubtract(before.deleted)))
            for (table, counter) in Self.cascadeTables {
                let deleted = after[keyPath: counter].saturatingSubtract(before[keyPath: counter])
                metrics.add(Self.deletedCascadeRows, Double(deleted), labels: ["table": table])
            }
            metrics.add(Self.batches)
            metrics.observe(Self.batchDuration, took / .seconds(1))
        case .restore:
            // What a restore's counters call deleted, it put back.
            metrics.add(Self.restoredRecords, Double(after.deleted.saturatingSubtract(before.deleted)))
            metrics.add(Self.restoreBatches)
            metrics.observe(Self.restoreBatchDuration, took / .seconds(1))
        }
    }

    /// Kept records the purge removed (`PartitionStore.purgeNextBatch`).
    func purged(records: Int) {
        metrics.add(Self.purgedRecords, Double(records))
    }

    /// Storage given back to the file system (`PartitionStore.reclaimSpaceStep`).
    func reclaimed(bytes: Int) {
        metrics.add(Self.reclaimedBytes, Double(bytes))
    }
}
