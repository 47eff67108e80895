import CPostgres
package import StorageDriver

/// A value sent as a `$n` parameter. Arrays go as PostgreSQL array literals,
/// so that a whole batch travels as one parameter (`= ANY($1)`, `unnest($1)`).
package enum PostgresValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case bytes([UInt8])
    case texts([String])
    case integers([Int64])
    case null

    package init(_ value: SQLValue) {
        switch value {
        case .integer(let number): self = .integer(number)
        case .text(let text): self = .text(text)
        case .null: self = .null
        }
    }
}

/// One connection to PostgreSQL through libpq, confined to the thread of the
/// actor that owns it, as `SQLiteDatabase` is.
///
/// Every statement run through `query` is prepared once per connection and
/// reused by its text: the server plans it once, and each call sends only its
/// parameters. A broken connection throws `PostgresError` with the
/// `.connection` fault; `reconnect()` tries again.
package final class PostgresConnection: TransactionalDatabase {
    private let handle: OpaquePointer
    /// Where it connects to, for messages: the connection string without a password.
    package let target: String
    /// Statement text → the name it was prepared under on this connection.
    private var prepared: [String: String] = [:]
    /// Names handed out, never reused on one session (a name is unique until deallocated).
    private var named = 0
    /// Run on every new session, the first and each after `reconnect()`: settings such as time-outs,
    /// which a session forgets when it ends.
    private let sessionSetup: String?

    /// Prepared statements kept at most: filters of different shapes make different SQL,
    /// so past this many the connection deallocates them all and starts over.
    package static let preparedCapacity = 64

    /// Connects with a libpq connection string (`host=/dir port=5432 dbname=x` or a `postgresql://` URL),
    /// then runs `sessionSetup` (statements without parameters), as again after each reconnection.
    package init(_ connectionString: String, sessionSetup: String? = nil) throws {
        guard let handle = PQconnectdb(connectionString) else {
            throw PostgresError(operation: "connect", sqlState: "", message: "libpq is out of memory")
        }
        // Checked before any property is set: a class init that throws after that runs deinit, which would free it again.
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.lastMessage(handle)
            let target = Self.describe(handle)
            PQfinish(handle)
            throw PostgresError(operation: "connect to \(target)", sqlState: "", message: message)
        }
        self.handle = handle
        target = Self.describe(handle)
        self.sessionSetup = sessionSetup
        // NOTICEs (a CREATE ... IF NOT EXISTS that found the table) are not ours to print.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        if let sessionSetup { try execute(sessionSetup) }
    }

    deinit { PQfinish(handle) }

    /// A statement failed because the connection broke. libpq's own status does not always say
    /// so yet (the server closed it while it was idle), so this is what `isConnected` trusts.
    private var broken = false

    /// False once a statement found the connection broken, or libpq knows it is; until `reconnect()`.
    package var isConnected: Bool { !broken && PQstatus(handle) == CONNECTION_OK }

    /// Connects again, as the same user to the same database; prepared statements are forgotten.
    package func reconnect() throws {
        prepared = [:]
        PQreset(handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(operation: "reconnect to \(target)", sqlState: "", message: Self.lastMessage(handle))
        }
        broken = false
        abandonedBecause = nil
        if let sessionSetup { try execute(sessionSetup) }
    }

    /// Why the session was abandoned, if it was: every statement is refused until `reconnect()`.
    private var abandonedBecause: String?

    /// Makes the session unusable until the next `reconnect()`: what its owner needs of it (a lock
    /// it failed to take again) is missing, so no statement may run on it meanwhile; each throws
    /// a connection fault saying `reason`, and `isConnected` is false.
    package func abandon(because reason: String) {
        abandonedBecause = reason
        broken = true
    }

    private func requireUsable(_ sql: String) throws {
        guard let abandonedBecause else { return }
        throw PostgresError(operation: sql, sqlState: "", message: "the session was set aside until it reconnects: \(abandonedBecause)")
    }

    /// Runs `body`, first connecting again when the connection broke; throws what either throws.
    @discardableResult
    package func whenConnected<T>(_ body: () throws -> T) throws -> T {
        if !isConnected { try reconnect() }
        return try body()
    }

    /// Runs `sql`, which may hold several statements and no parameters (schema, `BEGIN`).
    package func execute(_ sql: String) throws {
        try requireUsable(sql)
        let result = PostgresResult(PQexec(handle, sql))
        try check(result, sql)
    }

    /// Runs `sql` with `parameters` ($1…$n), prepared on first use.
    @discardableResult
    package func query(_ sql: String, _ parameters: [PostgresValue] = []) throws -> PostgresResult {
        // libpq sends text parameters up to their first NUL: a value with one would be cut short (and match more).
        try requireUsable(sql)
        for case .text(let text) in parameters where text.utf8.contains(0) {
            throw PostgresError(operation: sql, sqlState: "22021", message: "a text value holds a NUL byte, which PostgreSQL text cannot")
        }
        let name = try statementName(for: sql, parameters: parameters.count)
        let result = Self.withParameters(parameters) { values, lengths, formats in
            PostgresResult(PQexecPrepared(handle, name, Int32(parameters.count), values, lengths, formats, 0))
        }
        try check(result, sql)
        return result
    }

    /// The one integer `sql` answers (a count, a max); 0 for a NULL.
    package func scalar(_ sql: String, _ parameters: [PostgresValue] = []) throws -> Int64 {
        let result = try query(sql, parameters)
        guard result.count > 0 else { return 0 }
        return result.isNull(0, 0) ? 0 : result.integer(0, 0)
    }

    package static let beginTransaction = "BEGIN"

    /// Streams `data` (COPY's text format, one row a line) into `COPY ... FROM STDIN`.
    @discardableResult
    package func copy(_ sql: String, _ data: [UInt8]) throws -> Int {
        try requireUsable(sql)
        let start = PostgresResult(PQexec(handle, sql))
        guard start.status == PGRES_COPY_IN else {
            try check(start, sql)
            throw PostgresError(operation: sql, sqlState: "", message: "the server did not start a COPY")
        }
        let sent = data.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32(buffer.count)) }
        }
        guard sent == 1, PQputCopyEnd(handle, nil) == 1 else {
            broken = true
            throw PostgresError(operation: sql, sqlState: "", message: Self.lastMessage(handle))
        }
        var rows = 0
        while let next = PQgetResult(handle) {
            let result = PostgresResult(next)
            try check(result, sql)
            rows += result.affectedRows
        }
        return rows
    }

    /// `name` quoted as an identifier, for the few names SQL cannot take as parameters.
    package func quoted(identifier name: String) -> String {
        guard let quoted = PQescapeIdentifier(handle, name, name.utf8.count) else { return "\"\"" }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    // MARK: - Internals

    private func statementName(for sql: String, parameters: Int) throws -> String {
        if let name = prepared[sql] { return name }
        if prepared.count >= Self.preparedCapacity {
            try execute("DEALLOCATE ALL")
            prepared = [:]
        }
        named += 1
        let name = "s\(named)"
        let result = PostgresResult(PQprepare(handle, name, sql, Int32(parameters), nil))
        try check(result, sql)
        prepared[sql] = name
        return name
    }

    private func check(_ result: PostgresResult, _ sql: String) throws {
        switch result.status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_COPY_IN, PGRES_EMPTY_QUERY: return
        default:
            let state = result.field(Int32(UInt8(ascii: "C")))  // PG_DIAG_SQLSTATE
            let message = result.field(Int32(UInt8(ascii: "M"))) ?? Self.lastMessage(handle)  // PG_DIAG_MESSAGE_PRIMARY
            let statement = sql.count > 120 ? String(sql.prefix(120)) + "…" : sql
            let error = PostgresError(operation: statement, sqlState: state ?? "", message: message)
            if error.fault == .connection { broken = true }
            throw error
        }
    }

    /// Calls `body` with libpq's parameter arrays: text for everything but bytes, which go binary.
    private static func withParameters<T>(
        _ parameters: [PostgresValue],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> T
    ) -> T {
        var buffer: [UInt8] = []
        var offsets: [Int?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        for parameter in parameters {
            let start = buffer.count
            switch parameter {
            case .null:
                offsets.append(nil); lengths.append(0); formats.append(0)
                continue
            case .integer(let number): buffer += Array(String(number).utf8)
            case .text(let text): buffer += Array(text.utf8)
            case .bytes(let bytes): buffer += bytes
            case .texts(let texts): PostgresArrayLiteral.append(texts, to: &buffer)
            case .integers(let numbers): buffer += Array(("{" + numbers.map(String.init).joined(separator: ",") + "}").utf8)
            }
            if case .bytes = parameter { formats.append(1) } else { formats.append(0) }
            lengths.append(Int32(buffer.count - start))
            buffer.append(0)
            offsets.append(start)
        }
        return buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                let pointers: [UnsafePointer<CChar>?] = offsets.map { $0.map { chars.baseAddress! + $0 } }
                return body(pointers, lengths, formats)
            }
        }
    }

    private static func lastMessage(_ handle: OpaquePointer) -> String {
        guard let message = PQerrorMessage(handle) else { return "unknown error" }
        let text = String(cString: message)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    private static func describe(_ handle: OpaquePointer) -> String {
        func value(_ read: (OpaquePointer) -> UnsafeMutablePointer<CChar>?) -> String { read(handle).map { String(cString: $0) } ?? "" }
        return "database \(value(PQdb)) at \(value(PQhost)):\(value(PQport))"
    }
}

/// PostgreSQL's text form of a `text[]`: every element double-quoted, `"` and `\` escaped.
package enum PostgresArrayLiteral {
    package static func append(_ texts: [String], to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "{"))
        for (index, text) in texts.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { buffer.append(UInt8(ascii: "\\")) }
                buffer.append(byte)
            }
            buffer.append(UInt8(ascii: "\""))
        }
        buffer.append(UInt8(ascii: "}"))
    }
}
