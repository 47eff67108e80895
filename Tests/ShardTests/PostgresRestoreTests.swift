import PostgresDriver
import TestSupport
import Testing
import Wire
@testable import Shard

/// What only PostgreSQL needs proving about restorable deletes: its schema's migration, the
/// plans of its restore and purge statements, and the fencing of a purge. What every engine must
/// do alike is in `RestoreContractTests`.
@Suite struct PostgresRestoreTests {
    private static let everySlot = OpenPartition.everySlot

    private static func orgWide() -> ContactFilter {
        var filter = ContactFilter()
        filter.orgWide = true
        return filter
    }

    /// Version 3 had no kept tables and no restore columns on a slice; opened, a database gains
    /// them and records the current version. A slice it held was a delete of a build that kept
    /// nothing, which its job document reads as permanent: it goes on as one, keeping nothing and
    /// writing no personal data in its entries, while a slice taken on now keeps what it deletes.
    @Test func aVersion3DatabaseGainsTheKeptTablesAndItsSlicesGoOnAsPermanentDeletes() async throws {
        let location = try TestPostgres.newDatabase()
        let first = try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: .testCluster)
        _ = try await first.importAll(org: "o1", (0..<6).map { sliceContact($0, stage: "s", assignee: "u") }, version: TestVersions.next())
        try await first.close()
        let setup = try PostgresConnection(location)
        try setup.execute("""
            DROP TABLE kept_contacts, kept_applications, kept_totals, kept_purges;
            ALTER TABLE delete_slices DROP COLUMN permanent, DROP COLUMN restores;
            UPDATE meta SET value = '3' WHERE key = 'schema';
            """)
        var counters = DeleteCounters()
        counters.total = 6
        try setup.query("""
            INSERT INTO delete_slices (job_id, kind, org, requester, filter, watermark, counters, status, created_at)
            VALUES ('old', $1, 'o1', 'boss', $2, $3, $4, \(SliceStatus.running.rawValue), 1)
            """, [.integer(Int64(JobKind.delete.rawValue)), .bytes(Self.orgWide().storedBytes), .integer(TestVersions.next()), .bytes(counters.storedBytes)])

        let store = try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: .testCluster)
        #expect(try setup.query("SELECT value FROM meta WHERE key = 'schema'").text(0, 0) == "\(PostgresSchema.version)")
        #expect(try setup.scalar("SELECT count(*) FROM pg_tables WHERE tablename IN ('kept_contacts', 'kept_applications', 'kept_totals', 'kept_purges')") == 4)
        let old = try await store.runNextBatch("old", limit: 10)
        #expect([old.counters.deleted, old.counters.messages] == [6, 36])
        #expect(try setup.scalar("SELECT count(*) FROM kept_contacts") + setup.scalar("SELECT count(*) FROM messages") == 0)
        #expect(try setup.scalar("SELECT count(*) FROM audit_entries WHERE snapshot <> '{}'") == 0)

        _ = try await store.importAll(org: "o1", (6..<8).map { sliceContact($0, stage: "s", assignee: "u") }, version: TestVersions.next())
        _ = try await store.startSlice(SliceAssignment(jobId: "new", org: "o1", requester: "boss", filter: Self.orgWide(), watermark: TestVersions.next()))
        #expect(try await store.runNextBatch("new", limit: 10).counters.deleted == 2)
        #expect(try setup.scalar("SELECT count(*) FROM kept_contacts WHERE job_id = 'new'") == 2)
        let rows = try setup.query("SELECT job_id, permanent FROM delete_slices ORDER BY job_id")
        #expect((0..<rows.count).map { "\(rows.text($0, 0))=\(rows.text($0, 1))" } == ["new=f", "old=t"])
    }

    /// The plan every batch runs (`PostgresBatchQuery`: generic, no sequential scan) of `sql` with
    /// `bindings`, its lines; nothing of it is run.
    private static func genericPlan(_ sql: String, _ bindings: [PostgresValue], on connection: PostgresConnection) throws -> [String] {
        let literals = bindings.map { value in
            switch value {
            case .integer(let number): "\(number)"
            case .text(let text): "'\(text)'"
            default: "NULL"
            }
        }
        try connection.execute("""
            BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off; PREPARE batch AS \(sql)
            """)
        let plan = try connection.query("EXPLAIN EXECUTE batch(\(literals.joined(separator: ", ")))")
        try connection.execute("ROLLBACK; DEALLOCATE batch")
        return (0..<plan.count).map { plan.text($0, 0) }
    }

    /// A restore batch takes its kept contacts by their rows' addresses, their applications by
    /// key, and the cascade of a contact passed by by its key, with or without records set aside
    /// as failed; a restorable delete batch's copies and counts and a purge batch read no table
    /// whole either. Never a sequential scan: each batch would read every kept row of every job,
    /// or every conversation and message of the shard.
    @Test func restoreDeleteAndPurgeBatchesReadTheirRowsByKey() async throws {
        let location = try TestPostgres.newDatabase()
        let store = try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: .testCluster)
        _ = try await store.importAll(org: "o1", (0..<3_000).map { sliceContact($0, stage: "s", assignee: "u") }, version: TestVersions.next())
        let delete = SliceAssignment(jobId: "job-d", org: "o1", requester: "boss", filter: Self.orgWide(), watermark: TestVersions.next())
        var byStage = ContactFilter()
        byStage.stageIds = ["s"]
        let stageDelete = SliceAssignment(jobId: "job-s", org: "o1", requester: "boss", filter: byStage, watermark: TestVersions.next())
        let deleteBatches = [delete, stageDelete].map {
            PostgresDeleteBatch(slice: StoredSlice(assignment: $0, total: 3_000), limit: 500, now: 1)
        }
        var progress = try await store.startSlice(delete)
        while !progress.outcome.isFinal { progress = try await store.runNextBatch("job-d", limit: 1_000) }
        let connection = try PostgresConnection(location)
        try connection.execute("ANALYZE")

        var restore = SliceAssignment(jobId: "job-r", kind: .restore, org: "o1", requester: "boss", filter: Self.orgWide(), watermark: TestVersions.next())
        restore.spec.restores = "job-d"
        var withFailures = DeleteCounters()
        withFailures.failed = 1
        for slice in [StoredSlice(assignment: restore, total: 3_000), StoredSlice(assignment: restore, counters: withFailures, status: .running)] {
            let batch = PostgresRestoreBatch(slice: slice, limit: 500, now: 1)
            let plan = try Self.genericPlan(batch.sql, batch.bindings, on: connection)
            let text = plan.joined(separator: "\n")
            #expect(plan.contains { $0.contains("Tid Scan on kept_contacts") }, "\(text)")
            for key in ["kept_applications_pkey", "conversations_pkey", "messages_pkey", "kept_totals_pkey"] {
                #expect(plan.contains { $0.contains(key) }, "\(key): \(text)")
            }
            #expect(!plan.contains { $0.contains("Seq Scan") }, "\(text)")
        }
        for batch in deleteBatches {
            let plan = try Self.genericPlan(batch.sql, batch.bindings, on: connection)
            let text = plan.joined(separator: "\n")
            for step in ["Insert on kept_contacts", "Insert on kept_totals", "messages_pkey", "conversations_pkey"] {
                #expect(plan.contains { $0.contains(step) }, "\(step): \(text)")
            }
            #expect(!plan.contains { $0.contains("Delete on messages") }, "a restorable delete leaves the cascade: \(text)")
            #expect(!plan.contains { $0.contains("Seq Scan") }, "\(text)")
        }
        let purgeBindings: [PostgresValue] = [.text("job-d"), .integer(500), .integer(5_000)]
        let purgePlan = try Self.genericPlan(PostgresShardStore.purgeContacts, purgeBindings, on: connection)
        let purgeText = purgePlan.joined(separator: "\n")
        for key in ["conversations_pkey", "messages_pkey", "kept_applications_pkey", "kept_totals_pkey"] {
            #expect(purgePlan.contains { $0.contains(key) }, "\(key): \(purgeText)")
        }
        #expect(!purgePlan.contains { $0.contains("Seq Scan") }, "\(purgeText)")
    }

    /// A restore's batches are writes, though they take no record out: the vacuum its delete left
    /// due waits until they have paused, as it waits for the delete's, rather than run beside them
    /// (where it slowed the restore and other tenants' reads).
    @Test func theVacuumADeleteLeftDueWaitsUntilItsRestoresBatchesPause() async throws {
        let location = try TestPostgres.newDatabase()
        let store = try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: .testCluster)
        _ = try await store.importAll(org: "o1", bareContacts(PostgresShardStore.vacuumAfter), version: TestVersions.next())
        let delete = SliceAssignment(jobId: "job-d", org: "o1", requester: "boss", filter: Self.orgWide(), watermark: TestVersions.next())
        var progress = try await store.startSlice(delete)
        while !progress.outcome.isFinal { progress = try await store.runNextBatch("job-d", limit: 2_000) }
        #expect(try await store.checkpointIfIdle() == false, "deleted since the last look: not idle yet")

        var restore = SliceAssignment(jobId: "job-r", kind: .restore, org: "o1", requester: "boss", filter: Self.orgWide(), watermark: TestVersions.next())
        restore.spec.restores = "job-d"
        _ = try await store.startSlice(restore)
        for batch in 1...3 {
            #expect(try await store.runNextBatch("job-r", limit: 100).counters.deleted == UInt64(100 * batch))
            #expect(try await store.checkpointIfIdle() == false, "restored since the last look: not idle")
        }
        #expect(await store.deletedSinceVacuum == PostgresShardStore.vacuumAfter, "the delete's vacuum is still due")
        for _ in 1..<PostgresShardStore.quietLooksBeforeHousekeeping {
            #expect(try await store.checkpointIfIdle() == false, "paused, but not for long enough yet")
        }
        #expect(try await store.checkpointIfIdle() == true, "writes paused: the vacuum starts")
        #expect(await store.deletedSinceVacuum == 0)
    }

    private typealias Fixture = PartitionContractTests

    /// The contract tests' delete and restore of "o1", registered now.
    private static func delete(_ jobId: String, _ filter: ContactFilter, permanent: Bool = false) -> SliceAssignment {
        RestoreContractTests.delete(jobId, filter, permanent: permanent)
    }

    private static func restore(_ jobId: String, of delete: SliceAssignment) -> SliceAssignment {
        RestoreContractTests.restore(jobId, of: delete)
    }

    /// Contacts, conversations and messages of "o1" as `stats` answers, and as the live contacts
    /// and the rows under their seqs are.
    private static func counts(of partition: OpenPartition) async throws -> (stats: [UInt64], live: [UInt64]) {
        let stats = try await partition.reads.stats(org: "o1")
        let connection = try PostgresConnection(partition.location)
        let live = try ["contacts c", "conversations t JOIN contacts c ON", "messages t JOIN contacts c ON"].map { from in
            let join = from.hasSuffix("ON") ? " t.org = c.org AND t.contact_seq = c.seq" : ""
            return try connection.scalar("SELECT count(*) FROM \(from)\(join) WHERE c.org = 'o1'").magnitude
        }
        return ([stats.contacts, stats.conversations, stats.messages], live)
    }

    /// A restorable delete leaves its contacts' conversations and messages in their tables: while
    /// it can be restored, `stats` counts exactly the live contacts' (a batch at a time, through a
    /// later permanent delete, after a restore that passes a contact by).
    @Test func statsDuringARestorableDeletesWindowAreExactlyTheLiveData() async throws {
        let scratch = try ScratchDirectory("pg-restore")
        let partition = try OpenPartition.new(.postgres, in: scratch)
        try await partition.importAll(org: "o1", (0..<10).map { Fixture.contact($0, stage: $0 < 6 ? "a" : "b", conversations: 1 + $0 % 3) })
        try await partition.importAll(org: "o2", [Fixture.contact(1)])
        #expect(try await Self.counts(of: partition).stats == [10, 19, 57])

        var byStage = ContactFilter()
        byStage.stageIds = ["a"]
        let delete = Self.delete("job-a", byStage)
        var progress = try await partition.store.startSlice(delete)
        while !progress.outcome.isFinal {
            progress = try await partition.store.runNextBatch("job-a", limit: 4)
            let counts = try await Self.counts(of: partition)
            #expect(counts.stats == counts.live, "after \(progress.counters.deleted) deleted")
        }
        #expect(try await Self.counts(of: partition).stats == [4, 7, 21])
        _ = try await partition.deleteAll(Self.delete("job-p", Self.orgWide(), permanent: true))
        #expect(try await Self.counts(of: partition).stats == [0, 0, 0])

        try await partition.importAll(org: "o1", [Fixture.contact(2, conversations: 1)])
        let restored = try await partition.deleteAll(Self.restore("job-r", of: delete))
        #expect([restored.counters.deleted, restored.counters.skipped] == [5, 1])
        let counts = try await Self.counts(of: partition)
        #expect(counts.stats == counts.live)
        #expect(counts.stats == [6, 1 + 9, 3 + 27], "contact 2 as imported since, the other five as they were")
        let other = try await partition.reads.stats(org: "o2")
        #expect([other.contacts, other.conversations, other.messages] == [1, 2, 6])
        let messages = try PostgresConnection(partition.location).scalar("SELECT count(*) FROM messages WHERE org = 'o1'")
        #expect(messages == 30, "no cascade left behind")
    }

    /// A contact kept by a restorable delete and imported again since is a new contact with its own
    /// seq: a later delete of it, permanent or not, takes its new cascade and never the kept one,
    /// which the first delete's restore then puts back with the contact.
    @Test(arguments: [false, true])
    func aLaterDeleteOfAReimportedIdLeavesTheKeptCascade(permanent: Bool) async throws {
        let scratch = try ScratchDirectory("pg-restore")
        let partition = try OpenPartition.new(.postgres, in: scratch)
        try await partition.importAll(org: "o1", (0..<4).map { Fixture.contact($0) })
        let before = try await partition.reads.contact(org: "o1", id: Fixture.id(2))
        let first = Self.delete("job-1", Self.orgWide())
        _ = try await partition.deleteAll(first)

        try await partition.importAll(org: "o1", [Fixture.contact(2, name: "again", conversations: 1)])
        let later = try await partition.deleteAll(Self.delete("job-2", Self.orgWide(), permanent: permanent))
        #expect([later.counters.deleted, later.counters.conversations, later.counters.messages] == [1, 1, 3])
        let connection = try PostgresConnection(partition.location)
        let keptMessages = "SELECT count(*) FROM messages m JOIN kept_contacts k ON m.contact_seq = k.seq WHERE k.job_id = 'job-1'"
        #expect(try connection.scalar(keptMessages) == 24)
        #expect(try await Self.counts(of: partition).stats == [0, 0, 0])

        let restored = try await partition.deleteAll(Self.restore("job-r", of: first))
        #expect([restored.counters.deleted, restored.counters.conversations, restored.counters.messages] == [4, 8, 24])
        #expect(try await partition.reads.contact(org: "o1", id: Fixture.id(2)) == before)
        let counts = try await Self.counts(of: partition)
        #expect(counts.stats == counts.live)
        #expect(counts.stats == [4, 8, 24])
    }

    /// A purge writes as every write does, fenced: a store that let go of the shard's lock while
    /// another took it over neither records a purge nor purges. The request it recorded before is
    /// durable, and the next store for the shard carries it out.
    @Test func aStoreWithoutTheLockNeitherRecordsNorRunsAPurgeAndTheNextOneCarriesItOut() async throws {
        let location = try TestPostgres.newDatabase()
        let store = try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: .testCluster)
        _ = try await store.importAll(org: "o1", (0..<4).map { sliceContact($0, stage: "s", assignee: "u") }, version: TestVersions.next())
        _ = try await store.startSlice(SliceAssignment(jobId: "job-d", org: "o1", requester: "boss", filter: Self.orgWide(), watermark: TestVersions.next()))
        _ = try await store.runNextBatch("job-d", limit: 10)
        try await store.requestPurge("job-d")
        try await store.close()
        let successor = try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: .testCluster)

        await #expect(throws: PostgresFenceError.self) { try await store.purgeNextBatch(limit: 10, rows: 1_000) }
        await #expect(throws: PostgresFenceError.self) { try await store.requestPurge("job-other") }
        let connection = try PostgresConnection(location)
        #expect(try connection.scalar("SELECT count(*) FROM kept_contacts") == 4)
        #expect(try connection.query("SELECT string_agg(job_id, ',') FROM kept_purges").text(0, 0) == "job-d")

        #expect(try await successor.purgeNextBatch(limit: 10, rows: 1_000) == 4)
        #expect(try await successor.purgeNextBatch(limit: 10, rows: 1_000) == 0)
        #expect(try connection.scalar("SELECT (SELECT count(*) FROM kept_contacts) + (SELECT count(*) FROM messages) + (SELECT count(*) FROM kept_purges)") == 0)
    }
}
