/// A value bound to a `?` parameter of a prepared statement.
package enum SQLValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case null
}

/// A parameterised SQL fragment: `sql` has one `?` per element of `bindings`, in order.
package struct SQLPredicate: Sendable, Equatable {
    package var sql: String
    package var bindings: [SQLValue]

    package init(sql: String, bindings: [SQLValue]) {
        self.sql = sql
        self.bindings = bindings
    }
}
