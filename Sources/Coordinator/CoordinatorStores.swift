#if canImport(Glibc)
import Glibc
#endif
import SQLiteDriver
import StorageDriver
import Wire
import WireRuntime

/// What the coordinator keeps, wherever `--storage` says: the partition map, the job
/// registry's rows and the event log's. On SQLite, files in the data directory; on
/// PostgreSQL, the registry server's `tether_registry` database (made here when new, with one
/// database per shard on its server), so a coordinator on any host picks up the cluster.
///
/// Each is opened by a call of its own, so that each can be handed to the actor that owns it.
enum CoordinatorStores {
    /// The cluster's partition map, recorded when new; on PostgreSQL, every database made first.
    static func partitionMap(_ options: CoordinatorOptions) throws -> PartitionMap {
        switch options.storage {
        case .sqlite:
            return try PartitionMapFile.loadOrCreate(at: options.layout.partitionMap, shards: options.shardCount)
        case .postgres(let map):
            try map.registry.createDatabase(PostgresServer.registryDatabase)
            let registry = try openRegistry(options, map)
            let partitions = try PartitionMapFile.loadOrCreate(
                recorded: try registry.partitionMap(), at: "the partition map in \(PostgresServer.registryDatabase)", shards: options.shardCount
            ) { text in
                try registry.recordPartitionMap(text)
            }
            // Each shard's database, made before the shard first connects to it.
            for shard in 0..<partitions.ranges.count { try map.server(ofShard: shard).createDatabase(PostgresServer.shardDatabase(shard)) }
            return partitions
        }
    }

    static func registry(_ options: CoordinatorOptions) throws -> any RegistryStorage {
        switch options.storage {
        case .sqlite: try SQLiteRegistryStorage(path: options.layout.jobDatabase)
        case .postgres(let map): try openRegistry(options, map)
        }
    }

    static func events(_ options: CoordinatorOptions) throws -> any EventStorage {
        switch options.storage {
        case .sqlite: try SQLiteEventStorage(path: options.layout.eventDatabase)
        case .postgres(let map): try PostgresEventStorage(connectionString: try registryConnectionString(map))
        }
    }

    /// One of the coordinator's SQLite files: WAL, so reads never wait for the writer; `NORMAL`
    /// sync, which WAL keeps safe from a crash of the process; a second's wait for a lock.
    static func openSQLite(path: String) throws -> SQLiteDatabase {
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=1000")
        return database
    }

    /// The registry on PostgreSQL, claimed for this data directory's cluster (its id made at the
    /// first start) and for this coordinator alone.
    private static func openRegistry(_ options: CoordinatorOptions, _ map: PostgresMap) throws -> PostgresRegistryStorage {
        var host = [CChar](repeating: 0, count: 256)
        let hostName = gethostname(&host, host.count - 1) == 0 ? String(cString: host) : "an unnamed host"
        let holder = "coordinator pid \(getpid()) on \(hostName), data directory \(options.layout.dataDirectory)"
        return try PostgresRegistryStorage(
            connectionString: try registryConnectionString(map), cluster: try ClusterIdentity.loadOrCreate(options.layout), holder: holder)
    }

    /// Where the registry, the event log and the partition map live on PostgreSQL.
    private static func registryConnectionString(_ map: PostgresMap) throws -> String {
        try map.registry.connectionString(database: PostgresServer.registryDatabase)
    }

    /// Opens a store with `open`, waiting for a database server that does not answer yet (it is
    /// starting, or restarting after a crash): every `serverRetry`, saying so in the log now and
    /// then, rather than exiting and leaving the cluster without a coordinator.
    static func waitingForTheServer<T>(_ what: String, log: Log, _ open: () throws -> sending T) async throws -> sending T {
        var attempts = 0
        while true {
            do {
                return try open()
            } catch let error as any StorageFailure where error.fault == .connection {
                if attempts % 10 == 0 { log.warning("opening \(what): \(error); trying again every \(serverRetry)") }
                attempts += 1
                try await Task.sleep(for: serverRetry)
            }
        }
    }

    /// How often a coordinator whose database server does not answer tries again.
    static let serverRetry: Duration = .seconds(1)
}
