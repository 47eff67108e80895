import WireRuntime

/// A cluster's id as its PostgreSQL databases record it: apart from the rest of `ClusterIdentity`
/// because WireRuntime, which the gateway links too, must not need libpq.
extension ClusterIdentity {
    /// Records `id` in the `key`/`value` table `table` of `connection`'s database when it records
    /// none, and throws `ClusterIdentityError.foreign` when it records another. Run inside the
    /// transaction that opens the database.
    package func claim(table: String, on connection: PostgresConnection) throws {
        let found = try connection.query("SELECT value FROM \(table) WHERE key = 'cluster_id'")
        guard found.count == 0 else {
            let recorded = found.text(0, 0)
            guard recorded == id else {
                throw ClusterIdentityError.foreign(database: connection.target, recorded: recorded, ours: id, file: file)
            }
            return
        }
        try connection.query("INSERT INTO \(table) (key, value) VALUES ('cluster_id', $1)", [.text(id)])
    }
}
