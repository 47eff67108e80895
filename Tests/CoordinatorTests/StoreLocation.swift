import Foundation
import PostgresDriver
import SQLiteDriver
import TestSupport
import Testing
import Wire
import WireRuntime
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

    func registry(creationRate: RateLimiter = .jobCreation, restoreWindow: RestoreWindow = .standard) throws -> JobRegistry {
        switch engine {
        case .sqlite: try JobRegistry(path: place, shardCount: 1, creationRate: creationRate, restoreWindow: restoreWindow)
        case .postgres: try JobRegistry(storage: postgresRegistry(), shardCount: 1, creationRate: creationRate, restoreWindow: restoreWindow)
        }
    }

    /// The registry's rows on PostgreSQL, for the test's one cluster and coordinator. A registry
    /// is one coordinator's at a time: reopening it means the one before is gone.
    func postgresRegistry(cluster: ClusterIdentity = .testCluster, holder: String = "the test's coordinator") throws -> PostgresRegistryStorage {
        try PostgresRegistryStorage(connectionString: place, cluster: cluster, holder: holder)
    }

    /// Overwrites the stored document of job `jobId` with `bytes`, as an older build would have left it.
    func storeDocument(_ bytes: [UInt8], of jobId: String) throws {
        switch engine {
        case .sqlite:
            let update = try SQLiteDatabase(path: place).prepare("UPDATE jobs SET document = ? WHERE job_id = ?")
            try update.bind(bytes: bytes, at: 1)
            try update.bind(jobId, at: 2)
            try update.execute()
        case .postgres:
            _ = try PostgresConnection(place).query("UPDATE jobs SET document = $1 WHERE job_id = $2", [.bytes(bytes), .text(jobId)])
        }
    }

    func eventLog(
        maxEventsPerOrg: Int64 = EventLog.standardMaxEventsPerOrg, onAppend: @escaping @Sendable ([LoggedEvent]) -> Void = { _ in }
    ) throws -> EventLog {
        switch engine {
        case .sqlite: try EventLog(path: place, maxEventsPerOrg: maxEventsPerOrg, onAppend: onAppend)
        case .postgres: EventLog(storage: try PostgresEventStorage(connectionString: place), maxEventsPerOrg: maxEventsPerOrg, onAppend: onAppend)
        }
    }
}

extension ClusterIdentity {
    /// The cluster the registry tests' databases belong to.
    static let testCluster = ClusterIdentity(id: String(repeating: "7", count: 32), file: "/test/cluster.id")
}
