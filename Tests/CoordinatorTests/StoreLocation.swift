import Foundation
import TestSupport
import Testing
import Wire
@testable import Coordinator

/// Where a coordinator's store under test lives: a new SQLite file, or a new database on the
/// test process's PostgreSQL server. Opening it again is what a restarted coordinator does.
struct StoreLocation {
    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    let engine: Engine
    let place: String

    init(_ engine: Engine) throws {
        self.engine = engine
        switch engine {
        case .sqlite: place = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).db").path
        case .postgres: place = try TestPostgres.newDatabase()
        }
    }

    func registry(creationRate: JobCreationRate = .standard) throws -> JobRegistry {
        switch engine {
        case .sqlite: try JobRegistry(path: place, shardCount: 1, creationRate: creationRate)
        case .postgres: try JobRegistry(storage: postgresRegistry(), shardCount: 1, creationRate: creationRate)
        }
    }

    /// The registry's rows on PostgreSQL, for the test's one cluster and coordinator. A registry
    /// is one coordinator's at a time: reopening it means the one before is gone.
    func postgresRegistry(cluster: ClusterIdentity = .testCluster, holder: String = "the test's coordinator") throws -> PostgresRegistryStorage {
        try PostgresRegistryStorage(connectionString: place, cluster: cluster, holder: holder)
    }

    func eventLog(onAppend: @escaping @Sendable ([LoggedEvent]) -> Void = { _ in }) throws -> EventLog {
        switch engine {
        case .sqlite: try EventLog(path: place, onAppend: onAppend)
        case .postgres: EventLog(storage: try PostgresEventStorage(connectionString: place), onAppend: onAppend)
        }
    }
}

extension ClusterIdentity {
    /// The cluster the registry tests' databases belong to.
    static let testCluster = ClusterIdentity(id: String(repeating: "7", count: 32), file: "/test/cluster.id")
}
