/// Where a cluster keeps its files under its data directory, as API.md fixes them.
///
/// ```
/// DIR/run/coordinator.sock   sockets (directory mode 0700)
/// DIR/run/<name>.pid         one per live process: gateway, coordinator, shard-N
/// DIR/shards/                shard databases (shard-N.db)
/// DIR/partition.map          which slots each shard owns
/// DIR/coordinator.db         the job registry
/// DIR/events.db              the event log (Last-Event-ID replays from it)
/// DIR/logs/                  one log file per process
/// DIR/cluster.id             the cluster's id, which its PostgreSQL databases record (mode 0600)
/// ```
package struct ClusterLayout: Sendable, Equatable {
    package let dataDirectory: String

    package init(dataDirectory: String) {
        // Trailing slashes would double up in every path below.
        var directory = dataDirectory
        while directory.count > 1 && directory.hasSuffix("/") { directory.removeLast() }
        self.dataDirectory = directory
    }

    package var runDirectory: String { "\(dataDirectory)/run" }
    package var shardsDirectory: String { "\(dataDirectory)/shards" }
    package var logsDirectory: String { "\(dataDirectory)/logs" }
    package var coordinatorSocket: String { "\(runDirectory)/coordinator.sock" }
    /// The coordinator's job registry.
    package var jobDatabase: String { "\(dataDirectory)/coordinator.db" }
    /// The coordinator's event log.
    package var eventDatabase: String { "\(dataDirectory)/events.db" }
    /// The coordinator's durable partition map.
    package var partitionMap: String { "\(dataDirectory)/partition.map" }

    /// The cluster's id (`ClusterIdentity`).
    package var clusterIdFile: String { "\(dataDirectory)/cluster.id" }

    package func pidFile(for process: String) -> String { "\(runDirectory)/\(process).pid" }

    package static func shardName(_ index: Int) -> String { "shard-\(index)" }
}
