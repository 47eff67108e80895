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

    func registry(creationRate: RateLimiter = .jobCreation) throws -> JobRegistry {
        switch engine {
        case .sqlite: try JobRegistry(path: place, shardCount: 1, creationRate: creationRate)
        case .postgres: try JobRegistry(storage: PostgresRegistryStorage(connectionString: place), shardCount: 1, creationRate: creationRate)
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
