import SQLiteDriver
import StorageDriver

extension SQLiteDatabase {
    /// Runs `statement` with `values`; the number of rows it inserted, updated or deleted. The one
    /// way batch and purge statements are run: SQLite counts the changes of the last statement
    /// only, so each count is read right after its own statement.
    @discardableResult
    func run(_ statement: SQLiteStatement, _ values: [SQLValue]) throws -> UInt64 {
        try statement.run(values)
        return UInt64(changes)
    }
}
