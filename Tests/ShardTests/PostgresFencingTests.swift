import Foundation
import PostgresDriver
import TestSupport
import Testing
import Wire
import WireRuntime
@testable import Shard

extension ClusterIdentity {
    /// The cluster the storage tests' databases belong to.
    static let testCluster = ClusterIdentity(id: String(repeating: "7", count: 32), file: "/test/cluster.id")
}

/// PostgreSQL's fencing of a shard's one writer (`PostgresFence`), its cluster id, and its
/// writer's time-outs: what keeps a stale or stuck writer from costing every tenant on the shard.
@Suite struct PostgresFencingTests {
    private static let everySlot = OpenPartition.everySlot

    /// Ends the session that holds shard `index`'s lock in this test's database, as a server-side
    /// kill or a network cut would, and waits until the server has let go of the lock; not the
    /// sessions of other tests' shards on the same server (advisory lock keys are per database).
    private func killTheSessionHolding(shard index: Int, in location: String) throws {
        let admin = try PostgresConnection(location)
        let holders = "FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = \(PostgresFence.namespace)::bigint::oid AND objid = \(index)::bigint::oid"
            + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        try #require(try admin.scalar("SELECT count(pg_terminate_backend(pid)) \(holders)") == 1)
        try #require(try eventually(timeout: .seconds(5)) { try admin.scalar("SELECT count(*) \(holders)") == 0 })
    }

    private func contactCount(_ location: String) throws -> Int64 {
        try PostgresConnection(location).scalar("SELECT count(*) FROM contacts")
    }

    private func contacts(_ range: Range<Int>) -> ArraySlice<ImportRecord> {
        ArraySlice(range.map { sliceContact($0, stage: "s", assignee: nil) })
    }

    /// The first store's session dies, a second store takes the shard over: the first's writes
    /// fail with a fencing error and write nothing, again and again (its session is never
    /// silently usable without the lock), until the second lets go and the first takes it back.
    @Test func aStoreWhoseSessionDiedWhileAnotherTookOverWritesNothing() async throws {
        let location = try TestPostgres.newDatabase()
        let first = try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: .testCluster)
        _ = try await first.importRecords(org: "o1", contacts(0..<5), version: TestVersions.next())
        try killTheSessionHolding(shard: 0, in: location)
        let second = try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: .testCluster)

        for _ in 0..<2 {
            let refused = await #expect(throws: PostgresFenceError.self) {
                try await first.importRecords(org: "o1", contacts(5..<10), version: TestVersions.next())
            }
            #expect(refused?.message.contains("fenced") == true && refused?.fault == .connection, "\(String(describing: refused))")
            #expect(first.storageReachable == false)
        }
        #expect(try contactCount(location) == 5, "the fenced store wrote nothing")
        _ = try await second.importRecords(org: "o1", contacts(10..<12), version: TestVersions.next())

        try await second.close()
        _ = try await first.importRecords(org: "o1", contacts(5..<10), version: TestVersions.next())
        #expect(try contactCount(location) == 12)
    }

    /// Every write transaction proves its session holds the lock: a store whose live session
    /// let go of it (here `close()`) while another process took the shard writes nothing more.
    @Test func aWriteWithoutTheLockIsRefusedInsideItsTransaction() async throws {
        let location = try TestPostgres.newDatabase()
        let store = try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: .testCluster)
        _ = try await store.importRecords(org: "o1", contacts(0..<3), version: TestVersions.next())
        try await store.close()
        let successor = try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: .testCluster)
        await #expect(throws: PostgresFenceError.self) {
            try await store.importRecords(org: "o1", contacts(3..<6), version: TestVersions.next())
        }
        var filter = ContactFilter()
        filter.orgWide = true
        await #expect(throws: PostgresFenceError.self) {
            try await store.startSlice(SliceAssignment(jobId: "job-1", org: "o1", requester: "boss", filter: filter, watermark: TestVersions.next()))
        }
        #expect(try contactCount(location) == 3)
        #expect(try PostgresConnection(location).scalar("SELECT count(*) FROM delete_slices") == 0)
        _ = successor
    }

    /// A database records the cluster that first used it; another cluster's shard (another
    /// data directory pointed at the same server) is refused, told whose it is and what to do.
    @Test func aDatabaseOfAnotherClusterIsRefused() async throws {
        let location = try TestPostgres.newDatabase()
        let first = try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: .testCluster)
        try await first.close()
        let other = ClusterIdentity(id: String(repeating: "a", count: 32), file: "/elsewhere/cluster.id")
        let refused = #expect(throws: ClusterIdentityError.self) {
            try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: other)
        }
        let message = refused.map(String.init(describing:)) ?? ""
        #expect(message.contains(ClusterIdentity.testCluster.id) && message.contains("/elsewhere/cluster.id") && message.contains("--pg URL"), "\(message)")
        #expect(ShardExit(for: try #require(refused)) == .misconfigured)
    }

    /// A write that waits on another session's lock fails after `lock_timeout` with a clear
    /// error (a `.locked` fault, retried with back-off) instead of hanging; also on a session
    /// made again after the first one died, which must set its time-outs again.
    @Test func aWriteBlockedOnALockFailsAfterTheLockTimeout() async throws {
        let location = try TestPostgres.newDatabase()
        let store = try PostgresShardStore(connectionString: location, index: 0, slots: Self.everySlot, cluster: .testCluster)
        try killTheSessionHolding(shard: 0, in: location)
        _ = try await store.importRecords(org: "o1", contacts(0..<2), version: TestVersions.next())  // on a new session

        let holder = try PostgresConnection(location)
        // Without a lock_timeout the write would wait for as long as the holder: the server ends
        // the holder's idle transaction at last, so that a missing time-out fails this test rather than hanging it.
        try holder.execute("SET idle_in_transaction_session_timeout = '20s'; BEGIN; LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE")
        let started = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) {
            try await store.importRecords(org: "o1", contacts(2..<4), version: TestVersions.next())
        }
        let waited = ContinuousClock.now - started
        #expect(error?.isLockTimeout == true && error?.fault == .locked, "\(String(describing: error))")
        #expect(error.map(String.init(describing:))?.contains("lock_timeout") == true)
        #expect(waited >= PostgresWriterSession.lockTimeout - .milliseconds(100) && waited < PostgresWriterSession.lockTimeout * 2, "waited \(waited)")
        try holder.execute("ROLLBACK")
        #expect(try contactCount(location) == 2)
    }
}
