/// A database connection that runs plain SQL: enough to give both engines one
/// transaction wrapper, so the commit-or-roll-back rule is written once.
package protocol TransactionalDatabase: AnyObject {
    /// How a write transaction opens on this engine (SQLite takes its write lock at
    /// once, so a batch never fails half-way on a lock another writer holds).
    static var beginTransaction: String { get }
    func execute(_ sql: String) throws
}

extension TransactionalDatabase {
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws
    /// (on a broken connection the server has rolled back already, so the rollback may fail too).
    @discardableResult
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute(Self.beginTransaction)
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}
