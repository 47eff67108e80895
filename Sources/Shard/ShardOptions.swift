import Wire
import WireRuntime

/// The shard's command line, as the coordinator spawns it:
/// `--data DIR --index I --shards N --slots LOWER-UPPER --parent-pid P [--storage sqlite|postgres]
/// [--log-format text|json]`.
struct ShardOptions: Equatable {
    var layout: ClusterLayout

    var databasePath: String { "\(layout.shardsDirectory)/\(ClusterLayout.shardName(index)).db" }
    var index: Int
    var shardCount: Int
    /// The partition slots this shard owns, from the coordinator's map.
    var slots: SlotRange
    /// The coordinator's pid; the shard exits if its parent is already someone else.
    var parentPID: Int32
    /// Where its partition lives: a SQLite file (`databasePath`) or a database on a PostgreSQL server.
    var storage: StorageChoice
    var logFormat: Log.Format

    /// `environment` holds the PostgreSQL server's connection string, when `--storage postgres`.
    init(arguments: [String], environment: [String: String] = [:]) throws(ProcessOptions.UsageError) {
        let options = try ProcessOptions(arguments, known: ["data", "index", "shards", "slots", "parent-pid", "storage", "log-format"])
        layout = ClusterLayout(dataDirectory: try options.require("data"))
        shardCount = try options.integer("shards", in: 1...1024)
        index = try options.integer("index", in: 0...(shardCount - 1))
        let slotText = try options.require("slots")
        guard let slots = SlotRange(slotText) else {
            throw ProcessOptions.UsageError("--slots must be LOWER-UPPER within 0-\(PartitionMap.slotCount), got \(slotText)")
        }
        self.slots = slots
        parentPID = Int32(try options.integer("parent-pid", in: 1...Int(Int32.max)))
        storage = try StorageChoice(flag: options.string("storage"), environment: environment)
        logFormat = try Log.Format(flag: options.string("log-format"))
    }
}
