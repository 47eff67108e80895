import CPostgres

/// What one statement answered, in libpq's text format; freed with it.
package final class PostgresResult {
    private let handle: OpaquePointer?

    init(_ handle: OpaquePointer?) {
        self.handle = handle
    }

    deinit { PQclear(handle) }

    /// libpq's status; a missing result (out of memory, a lost connection) is a fatal error.
    var status: ExecStatusType { handle.map(PQresultStatus) ?? PGRES_FATAL_ERROR }

    /// One field of the error report (`PG_DIAG_SQLSTATE` and the like), when there is one.
    func field(_ code: Int32) -> String? {
        guard let handle, let value = PQresultErrorField(handle, code) else { return nil }
        return String(cString: value)
    }

    /// Rows answered.
    package var count: Int { handle.map { Int(PQntuples($0)) } ?? 0 }

    /// Rows an INSERT, UPDATE, DELETE, COPY or the like touched.
    package var affectedRows: Int {
        guard let handle, let text = PQcmdTuples(handle) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    package func isNull(_ row: Int, _ column: Int) -> Bool {
        PQgetisnull(handle, Int32(row), Int32(column)) == 1
    }

    package func text(_ row: Int, _ column: Int) -> String {
        guard let value = PQgetvalue(handle, Int32(row), Int32(column)) else { return "" }
        return String(cString: value)
    }

    /// The field as an integer; 0 for NULL or for text that is not one (a schema bug, not data).
    package func integer(_ row: Int, _ column: Int) -> Int64 {
        Int64(text(row, column)) ?? 0
    }

    /// The field as text, or nil when it is NULL.
    package func optionalText(_ row: Int, _ column: Int) -> String? {
        isNull(row, column) ? nil : text(row, column)
    }

    /// A `bytea` field, which the text format sends as `\x` and hex digits.
    package func bytes(_ row: Int, _ column: Int) -> [UInt8] {
        guard let value = PQgetvalue(handle, Int32(row), Int32(column)) else { return [] }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return value.withMemoryRebound(to: UInt8.self, capacity: length) { hex in
            guard length >= 2, hex[0] == UInt8(ascii: "\\"), hex[1] == UInt8(ascii: "x") else { return [] }
            var bytes: [UInt8] = []
            bytes.reserveCapacity((length - 2) / 2)
            var index = 2
            while index + 1 < length {
                bytes.append(Self.nibble(hex[index]) << 4 | Self.nibble(hex[index + 1]))
                index += 2
            }
            return bytes
        }
    }

    private static func nibble(_ digit: UInt8) -> UInt8 {
        digit <= UInt8(ascii: "9") ? digit &- UInt8(ascii: "0") : (digit | 0x20) &- UInt8(ascii: "a") &+ 10
    }
}
