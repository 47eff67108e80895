/// Where a cluster keeps its shards' partitions: SQLite files under the data
/// directory (the default), or databases on a PostgreSQL server.
///
/// Chosen with `--storage sqlite|postgres`; the server's connection string
/// comes from the environment (`TETHER_PG_URL`), never the command line, where
/// any user could read a password in it.
package enum StorageChoice: Sendable, Equatable {
    case sqlite
    case postgres(PostgresServer)

    /// The variable the server's connection string is read from.
    package static let connectionVariable = "TETHER_PG_URL"

    /// `flag` is `--storage`'s value (nil: the default); `environment` holds the connection string.
    package init(flag: String?, environment: [String: String]) throws(ProcessOptions.UsageError) {
        switch flag ?? "sqlite" {
        case "sqlite": self = .sqlite
        case "postgres":
            guard let url = environment[Self.connectionVariable], !url.isEmpty else {
                throw ProcessOptions.UsageError("--storage postgres needs the server's connection string in \(Self.connectionVariable)")
            }
            self = .postgres(PostgresServer(connectionString: url))
        case let other: throw ProcessOptions.UsageError("--storage must be sqlite or postgres, got \(other)")
        }
    }

    /// The flag that passes this choice on to a child process (the connection string goes by inheritance).
    package var arguments: [String] {
        switch self {
        case .sqlite: []
        case .postgres: ["--storage", "postgres"]
        }
    }
}
