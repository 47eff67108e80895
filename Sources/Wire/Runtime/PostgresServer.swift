/// A PostgreSQL server that holds a cluster's databases: one per shard, named
/// from the shard, and the coordinator's registry, all reached with the same
/// base connection string (its database replaced).
package struct PostgresServer: Sendable, Equatable {
    /// A libpq connection string, key/value or URL, to any database of the server.
    package let connectionString: String

    package init(connectionString: String) {
        self.connectionString = connectionString
    }

    /// The database that holds the coordinator's job registry, event log and partition map.
    package static let registryDatabase = "tether_registry"

    /// The database that holds shard `index`'s partition.
    package static func shardDatabase(_ index: Int) -> String { "tether_shard_\(index)" }
}
