import Foundation
import PostgresDriver
import TestSupport
import Testing
import WireRuntime
@testable import Coordinator

/// One coordinator per registry on PostgreSQL, and one cluster per registry: a second
/// coordinator is refused with the first's name, a coordinator whose session died while
/// another took over writes nothing, and another cluster's coordinator is refused.
@Suite struct RegistryFencingTests {
    @Test func aSecondCoordinatorOnTheSameRegistryIsRefusedNamingTheFirst() throws {
        let location = try StoreLocation(.postgres)
        let first = try location.postgresRegistry(holder: "coordinator pid 1 on host-a, data directory /a")
        let started = ContinuousClock.now
        let refused = #expect(throws: RegistryInUse.self) { try location.postgresRegistry(holder: "coordinator pid 2 on host-b, data directory /b") }
        #expect(ContinuousClock.now - started >= PostgresRegistryStorage.lockPatience, "a coordinator that just stopped is waited for")
        let message = refused.map(String.init(describing:)) ?? ""
        #expect(message.contains("coordinator pid 1 on host-a, data directory /a") && message.contains("stop that one first"), "\(message)")
        _ = try first.lastVersion()  // the first one goes on
    }

    /// Ends the session that holds the lock `key` in this test's database, as a server-side kill or
    /// a network cut would; not the sessions of other tests' registries on the same server.
    private func killTheSessionHolding(_ key: Int32, in location: StoreLocation) throws {
        let killed = try PostgresConnection(location.place).scalar("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND classid = \(PostgresFence.namespace)::bigint::oid
                AND objid = (\(key)::bigint & 4294967295)::oid
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)
        try #require(killed == 1)
    }

    @Test func aCoordinatorWhoseSessionDiedWhileAnotherTookOverWritesNothing() throws {
        let location = try StoreLocation(.postgres)
        let first = try location.postgresRegistry(holder: "the first")
        try first.saveVersion(10)
        try killTheSessionHolding(PostgresFence.registryKey, in: location)
        let second = try location.postgresRegistry(holder: "the second")
        // The first finds its session gone (libpq learns so when it next uses it); every later
        // try connects again, cannot take the lock, and is refused.
        let lost = #expect(throws: PostgresError.self) { try first.saveVersion(99) }
        #expect(lost?.fault == .connection)
        for _ in 0..<2 {
            #expect(throws: PostgresFenceError.self) { try first.saveVersion(99) }
            #expect(throws: PostgresFenceError.self) { try first.transaction { try first.forget([], keysBefore: 0) } }
        }
        #expect(try second.lastVersion() == 10, "the fenced coordinator wrote nothing")
        try second.saveVersion(11)
        #expect(try second.lastVersion() == 11)
    }

    @Test func aRegistryOfAnotherClusterIsRefused() throws {
        let location = try StoreLocation(.postgres)
        _ = try location.postgresRegistry()  // gone at once: its cluster id stays recorded
        let other = ClusterIdentity(id: String(repeating: "b", count: 32), file: "/other/cluster.id")
        let refused = #expect(throws: ClusterIdentityError.self) { try location.postgresRegistry(cluster: other) }
        let message = refused.map(String.init(describing:)) ?? ""
        #expect(message.contains(ClusterIdentity.testCluster.id) && message.contains("/other/cluster.id"), "\(message)")
    }

    /// The event log is one coordinator's too: a second is refused, and one whose session died
    /// while another took over logs nothing.
    @Test func anEventLogIsOneCoordinatorsAndAFencedOneLogsNothing() throws {
        let location = try StoreLocation(.postgres)
        let registry = try location.postgresRegistry(holder: "coordinator pid 1 on host-a, data directory /a")
        let first = try PostgresEventStorage(connectionString: location.place)
        let refused = #expect(throws: RegistryInUse.self) { try PostgresEventStorage(connectionString: location.place) }
        #expect(refused?.holder == "coordinator pid 1 on host-a, data directory /a")
        let row = EventRow(org: "o", kind: 1, origin: nil, payload: [1], createdAt: 0)
        #expect(try first.append([row]) == [1])

        try killTheSessionHolding(PostgresFence.eventLogKey, in: location)
        let second = try PostgresEventStorage(connectionString: location.place)
        #expect(throws: PostgresError.self) { try first.append([row]) }  // finds its session gone
        #expect(throws: PostgresFenceError.self) { try first.append([row]) }
        #expect(try second.head() == 1, "the fenced event log wrote nothing")
        _ = registry
    }
}
