/// A failed SQLite call: what was attempted, SQLite's result code and message.
package struct SQLiteError: Error, Equatable, CustomStringConvertible {
    package let operation: String
    package let code: Int32
    package let message: String

    package init(operation: String, code: Int32, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    package var description: String { "sqlite \(operation): \(message) (code \(code))" }
}
