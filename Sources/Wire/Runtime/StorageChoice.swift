import Foundation

/// Where a cluster keeps its shards' partitions: SQLite files under the data
/// directory (the default), or databases on PostgreSQL servers.
///
/// Chosen with `--storage sqlite|postgres`; the servers' connection strings
/// come from the environment, never the command line, where any user could
/// read a password in them: `TETHER_PG_MAP` names a file that maps the
/// registry and each shard to a server (`PostgresMap`), else `TETHER_PG_URL`
/// is the one server of everything.
package enum StorageChoice: Sendable, Equatable {
    case sqlite
    case postgres(PostgresMap)

    /// The variable the one server's connection string is read from.
    package static let connectionVariable = "TETHER_PG_URL"
    /// The variable naming a map file, when the databases are on several servers.
    package static let mapVariable = "TETHER_PG_MAP"

    /// `flag` is `--storage`'s value (nil: the default); `environment` holds the connection string or the map's path.
    package init(flag: String?, environment: [String: String]) throws(ProcessOptions.UsageError) {
        switch flag ?? "sqlite" {
        case "sqlite": self = .sqlite
        case "postgres":
            if let path = environment[Self.mapVariable], !path.isEmpty {
                let text: String
                do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                    throw ProcessOptions.UsageError("\(Self.mapVariable) names \(path), which cannot be read: \(error.localizedDescription)")
                }
                self = .postgres(try PostgresMap(parsing: text))
            } else if let url = environment[Self.connectionVariable], !url.isEmpty {
                self = .postgres(PostgresMap(registry: PostgresServer(connectionString: url)))
            } else {
                throw ProcessOptions.UsageError(
                    "--storage postgres needs the server's connection string in \(Self.connectionVariable), or a map of servers named by \(Self.mapVariable)")
            }
        case let other: throw ProcessOptions.UsageError("--storage must be sqlite or postgres, got \(other)")
        }
    }

    /// The flag that passes this choice on to a child process.
    package var arguments: [String] {
        switch self {
        case .sqlite: []
        case .postgres: ["--storage", "postgres"]
        }
    }

    /// What shard `index`'s process must find in its environment: its own server as the one server.
    package func environment(forShard index: Int) -> [String: String?] {
        switch self {
        case .sqlite: [:]
        case .postgres(let map): [Self.connectionVariable: map.server(ofShard: index).connectionString, Self.mapVariable: nil]
        }
    }
}
