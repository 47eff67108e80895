import WireRuntime

extension ShardOptions {
    /// Opens this shard's partition where `storage` says, its writer and its readers.
    func openPartition() throws -> (store: any PartitionStore, reads: any PartitionReads) {
        switch storage {
        case .sqlite:
            // A database made for another shard or slot range is refused: exit non-zero.
            let store = try ShardStore(path: databasePath, index: index, slots: slots)
            return (store, try ReaderPool(path: databasePath, index: index))
        case .postgres(let map):
            let connectionString = try map.server(ofShard: index).connectionString(database: PostgresServer.shardDatabase(index))
            // The coordinator made the cluster's id before it spawned any shard.
            guard let cluster = try ClusterIdentity.load(layout) else { throw ClusterIdentityError.missing(path: layout.clusterIdFile) }
            let store = try PostgresShardStore(connectionString: connectionString, index: index, slots: slots, cluster: cluster)
            let readers = try (0..<ReaderPool<PostgresShardReader>.standardSize).map { _ in
                try PostgresShardReader(connectionString: connectionString, index: index)
            }
            return (store, ReaderPool(readers))
        }
    }
}
