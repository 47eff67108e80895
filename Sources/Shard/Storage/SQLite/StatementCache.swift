import SQLiteDriver
import StorageDriver

/// Prepared statements of one connection, kept by their SQL for reuse.
///
/// Bounded, because filters with different array lengths make different SQL:
/// past `capacity` distinct statements the cache starts over.
final class StatementCache {
    let database: SQLiteDatabase
    private let capacity: Int
    private var statements: [String: SQLiteStatement] = [:]

    static let standardCapacity = 64

    init(_ database: SQLiteDatabase, capacity: Int = StatementCache.standardCapacity) {
        self.database = database
        self.capacity = capacity
    }

    /// Binds `bindings` to the statement for `sql`, hands it to `body` to step, and resets it
    /// however `body` ends: a statement left mid-rows keeps its read snapshot open, and a
    /// snapshot kept open stops the WAL from ever being checkpointed.
    func withStatement<T>(_ sql: String, _ bindings: [SQLValue], _ body: (SQLiteStatement) throws -> T) throws -> T {
        let statement: SQLiteStatement
        if let cached = statements[sql] {
            statement = cached
        } else {
            if statements.count >= capacity { statements.removeAll() }
            statement = try database.prepare(sql)
            statements[sql] = statement
        }
        defer { statement.reset() }
        try statement.bind(bindings)
        return try body(statement)
    }
}

extension StatementCache {
    /// Runs the statement for `sql` with `bindings`; the number of rows it inserted, updated or
    /// deleted (`SQLiteDatabase.run`).
    @discardableResult
    func run(_ sql: String, _ bindings: [SQLValue]) throws -> UInt64 {
        try withStatement(sql, []) { try database.run($0, bindings) }
    }

    /// Whether any application of `table` (`applications` or `kept_applications`) has `value` in
    /// `column`. Most orgs have none, and a contact batch that finds none pays this one probe
    /// instead of two for each contact, skipping the statements that would look for a contact's
    /// applications (docs/benchmarks.md, "A contact's applications in its batch").
    func holdsApplications(_ table: String, _ column: String, _ value: String) throws -> Bool {
        try withStatement("SELECT 1 FROM \(table) WHERE \(column) = ?1 LIMIT 1", [.text(value)]) { try $0.step() }
    }
}
