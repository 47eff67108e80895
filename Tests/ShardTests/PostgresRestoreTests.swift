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
            DROP TABLE kept_contacts, kept_applications, kept_conversations, kept_messages, kept_purges;
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
        #expect(try setup.scalar("SELECT count(*) FROM pg_tables WHERE tablename IN ('kept_contacts', 'kept_applications', 'kept_conversations', 'kept_messages', 'kept_purges')") == 5)
        let old = try await store.runNextBatch("old", limit: 10)
        #expect([old.counters.deleted, old.counters.messages] == [6, 36])
        #expect(try setup.scalar("SELECT count(*) FROM kept_contacts") + setup.scalar("SELECT count(*) FROM kept_messages") == 0)
        #expect(try setup.scalar("SELECT count(*) FROM audit_entries WHERE snapshot <> '{}'") == 0)

        _ = try await store.importAll(org: "o1", (6..<8).map { sliceContact($0, stage: "s", assignee: "u") }, version: TestVersions.next())
        _ = try await store.startSlice(SliceAssignment(jobId: "new", org: "o1", requester: "boss", filter: Self.orgWide(), watermark: TestVersions.next()))
        #expect(try await store.runNextBatch("new", limit: 10).counters.deleted == 2)
        #expect(try setup.scalar("SELECT count(*) FROM kept_contacts WHERE job_id = 'new'") == 2)
        let rows = try setup.query("SELECT job_id, permanent FROM delete_slices ORDER BY job_id")
        #expect((0..<rows.count).map { "\(rows.text($0, 0))=\(rows.text($0, 1))" } == ["new=f", "old=t"])
    }
}
