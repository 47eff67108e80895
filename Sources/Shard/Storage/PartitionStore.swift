import Wire

/// A shard's partition, wherever it is kept, seen from its one writer: imports,
/// job slices and the event outbox. `SQLiteShardStore` keeps it in a SQLite file,
/// `PostgresShardStore` in a PostgreSQL database; the shard's service, slice
/// runner and outbox publisher work the same on either. The slices' life cycle is
/// written once for both (`SliceLedger`).
///
/// Every method is one transaction, or none: a batch, its side effects and its
/// slice's checkpoint commit together.
protocol PartitionStore: Actor {
    /// The shard this partition belongs to.
    nonisolated var index: Int { get }
    /// False while the storage does not answer (a database server away): the shard is up but
    /// cannot work, and says so to the coordinator's pings. Read without waiting for a batch.
    nonisolated var storageReachable: Bool { get }

    /// The records of `batch`, decoded on the writer's thread (at bulk priority).
    func records(of batch: ImportBatch) throws -> [ImportRecord]
    /// Writes the records of `records` from `start` on, as many as fit the writer's batch
    /// target, in one transaction; where the next chunk starts.
    func importChunk(org: String, _ records: [ImportRecord], from start: Int, version: Int64) throws -> (counts: ImportCounts, next: Int)

    /// Takes on `assignment`, or returns where it already stands (a repeat resumes, never restarts).
    func startSlice(_ assignment: SliceAssignment) throws -> SliceProgress
    /// Does the next batch of at most `limit` of `jobId`'s records, as its kind does, with its checkpoint.
    func runNextBatch(_ jobId: String, limit: Int) throws -> SliceProgress
    /// Sets the next record of `jobId`'s slice aside as failed, with `reason`.
    func failNextRecord(_ jobId: String, reason: String) throws -> SliceProgress
    /// Where a running slice stands right now (its cancel is still on the way).
    func cancelProgress(_ jobId: String) throws -> SliceProgress
    /// Stops `jobId`'s slice where it stands; a job never assigned here gets a cancelled tombstone.
    func cancelSlice(_ jobId: String) throws -> SliceProgress

    /// Records durably that what the delete `jobId` kept here is to be purged (its restore window
    /// ended); repeating it is harmless. The purge itself runs in `purgeNextBatch` steps.
    func requestPurge(_ jobId: String) throws
    /// Purges the next short batch of kept records of any purge requested, in one transaction:
    /// at most `limit` contacts or applications, and no further contact once the rows taken with
    /// the contacts before it (each contact, its conversations, messages and applications) reach
    /// `rows`, so contacts with long histories make no long transaction; the first contact always
    /// goes, whatever its rows. How many kept records (contacts and applications) it removed, 0
    /// when no purge is left.
    func purgeNextBatch(limit: Int, rows: Int) throws -> Int

    /// The oldest committed events still in the outbox.
    func outbox(limit: Int) throws -> [OutboxEvent]
    /// Forgets delivered events: every outbox row up to and including `seq`.
    func removeFromOutbox(through seq: Int64) throws

    /// Housekeeping once writes pause, called every second (and, where the storage is a server
    /// that went away, trying to reach it again); true when it did some.
    @discardableResult
    func checkpointIfIdle() throws -> Bool
    /// Gives the space of deleted records back to the file system once the shard is idle after
    /// many deletes, one short step a call; the bytes this step gave back, 0 when there is
    /// nothing to do now. Called again at once while it returns more than 0.
    func reclaimSpaceStep(at now: ContinuousClock.Instant) throws -> Int
    /// Leaves the partition tidy before the process exits, and lets the next process for it in.
    func close() throws
}

extension PartitionStore {
    /// Writes `records` in chunks of about `BatchSizer.target` each, one transaction a chunk, and
    /// adds up their counts. Not isolated: between two chunks the store is free for a delete
    /// batch or another import.
    nonisolated func importAll(org: String, _ records: [ImportRecord], version: Int64) async throws -> ImportCounts {
        var counts = ImportCounts()
        var next = 0
        while next < records.count {
            let chunk = try await importChunk(org: org, records, from: next, version: version)
            counts = counts + chunk.counts
            next = chunk.next
        }
        return counts
    }
}

/// A shard's reads, served beside its writer (never queued behind a batch), each within a time budget.
protocol PartitionReads: Sendable {
    /// How many records of `filter.pipeline` in `org` match.
    func count(org: String, filter: ContactFilter) async throws -> UInt64
    /// The contact `id` of `org` with its conversation and message counts; nil when absent.
    func contact(org: String, id: String) async throws -> ContactDetail?
    /// Row counts of `org` in every table, from one snapshot.
    func stats(org: String) async throws -> OrgStats
    /// `org`'s contacts counted by `by`, the largest groups first, at most `StatsGroups.perShard`.
    func groups(org: String, by: ContactGrouping) async throws -> ContactGroups
    /// Up to `limit` log entries after `after`, oldest first, and how many match in all.
    func logPage(_ query: LogQuery, after: Int64, limit: Int) async throws -> LogPage
    /// Up to `query.limit` records that match after `query.after`, in id order, and whether more follow.
    func records(_ query: RecordQuery) async throws -> RecordPage
}
