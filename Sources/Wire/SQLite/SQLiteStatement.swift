import CSQLite
package import StorageDriver

/// A prepared statement, reused with bind / step / reset.
package final class SQLiteStatement {
    private let handle: OpaquePointer
    private unowned let database: SQLiteDatabase

    /// SQLite copies bound text at once (SQLITE_TRANSIENT, a macro Swift cannot import).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ handle: OpaquePointer, database: SQLiteDatabase) {
        self.handle = handle
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to its parameters 1…n.
    package func bind(_ values: [SQLValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    package func bind(_ value: SQLValue, at index: Int32) throws {
        let code: Int32
        switch value {
        case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
        // An explicit byte length: a value with an embedded NUL must not be cut short (and match more).
        case .text(let text): code = sqlite3_bind_text(handle, index, text, Int32(text.utf8.count), Self.transient)
        case .null: code = sqlite3_bind_null(handle, index)
        }
        guard code == SQLITE_OK else { throw SQLiteError(operation: "bind \(index)", code: code, message: database.lastMessage) }
    }

    // MARK: - Binding one parameter at a time, for hot loops that should not build arrays

    /// Text is bound with its byte length: a value with an embedded NUL must not be cut short (and match more).
    package func bind(_ text: String, at index: Int32) throws {
        try check(sqlite3_bind_text(handle, index, text, Int32(text.utf8.count), Self.transient), index)
    }

    package func bind(_ number: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, number), index)
    }

    package func bind(bytes: [UInt8], at index: Int32) throws {
        try check(sqlite3_bind_blob(handle, index, bytes, Int32(bytes.count), Self.transient), index)
    }

    /// Binds `text`, or NULL when it is nil.
    package func bind(_ text: String?, at index: Int32) throws {
        guard let text else { return try check(sqlite3_bind_null(handle, index), index) }
        try bind(text, at: index)
    }

    /// Runs a statement bound with the per-parameter `bind`s to completion and resets it.
    package func execute() throws {
        while try step() {}
        sqlite3_reset(handle)
    }

    private func check(_ code: Int32, _ index: Int32) throws {
        guard code == SQLITE_OK else { throw SQLiteError(operation: "bind \(index)", code: code, message: database.lastMessage) }
    }

    /// Advances to the next row: true when there is one, false when done.
    @discardableResult
    package func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            let message = database.lastMessage
            sqlite3_reset(handle)
            throw SQLiteError(operation: "step \(sql.prefix(80))", code: code, message: message)
        }
    }

    /// Binds, runs to completion, and resets: for statements that return no rows.
    package func run(_ values: [SQLValue]) throws {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Ends a read early: a statement left mid-rows would hold its read snapshot open.
    package func reset() { sqlite3_reset(handle) }

    /// The statement's SQL text, as prepared.
    package var sql: String { String(cString: sqlite3_sql(handle)) }

    package func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    package func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: pointer)
    }

    package func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    package func optionalText(_ column: Int32) -> String? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : text(column)
    }
}
