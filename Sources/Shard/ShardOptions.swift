import Wire

/// The shard's command line, as the coordinator spawns it:
/// `--data DIR --index I --shards N --parent-pid P`.
struct ShardOptions: Equatable {
    var layout: ClusterLayout
    var index: Int
    var shardCount: Int
    /// The coordinator's pid; the shard exits if its parent is already someone else.
    var parentPID: Int32

    init(arguments: [String]) throws(ProcessOptions.UsageError) {
        let options = try ProcessOptions(arguments, known: ["data", "index", "shards", "parent-pid"])
        layout = ClusterLayout(dataDirectory: try options.require("data"))
        shardCount = try options.integer("shards", in: 1...1024)
        index = try options.integer("index", in: 0...(shardCount - 1))
        parentPID = Int32(try options.integer("parent-pid", in: 1...Int(Int32.max)))
    }
}
