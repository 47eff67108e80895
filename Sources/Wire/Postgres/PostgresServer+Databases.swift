import CPostgres
import WireRuntime

/// What libpq does with a server's settings: rewrite its connection string for one database, create a database.
extension PostgresServer {
    /// The base connection string with its database replaced by `database`; throws when libpq cannot parse it.
    package func connectionString(database: String) throws -> String {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &error) else {
            let message = error.map { String(cString: $0) } ?? "out of memory"
            PQfreemem(error)
            throw PostgresError(operation: "parse the connection string", sqlState: "", message: message.trimmingSuffix("\n"))
        }
        defer { PQconninfoFree(options) }
        var pairs: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            let key = String(cString: keyword)
            if key == "dbname" {
                pairs.append("dbname=\(Self.quoted(database))")
            } else if let value = option.pointee.val {
                pairs.append("\(key)=\(Self.quoted(String(cString: value)))")
            }
            option += 1
        }
        return pairs.joined(separator: " ")
    }

    /// Creates `database` on the server unless it exists (another process creating it at once is fine).
    package func createDatabase(_ database: String) throws {
        let connection = try PostgresConnection(try connectionString(database: "postgres"))
        guard try connection.scalar("SELECT count(*) FROM pg_database WHERE datname = $1", [.text(database)]) == 0 else { return }
        do {
            try connection.execute("CREATE DATABASE \(connection.quoted(identifier: database))")
        } catch let error as PostgresError where error.sqlState == "42P04" || error.sqlState == "23505" {
            // duplicate_database, or the catalog's unique index when two creators raced: it exists now.
        }
    }

    /// A value quoted for a key/value connection string: in single quotes, `'` and `\` escaped.
    private static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
