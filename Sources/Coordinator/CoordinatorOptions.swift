import Foundation
import Wire

/// The coordinator's command line: `--data DIR --shards N [--shard-executable PATH]`.
struct CoordinatorOptions: Equatable {
    /// Shard counts beyond this are refused: each shard is a process with its own database.
    static let maxShards = 256

    var layout: ClusterLayout
    var shardCount: Int
    var shardExecutable: String

    /// `executable` is this program's path; the shard binary defaults to its sibling `shard`.
    init(arguments: [String], executable: String) throws(ProcessOptions.UsageError) {
        let options = try ProcessOptions(arguments, known: ["data", "shards", "shard-executable"])
        layout = ClusterLayout(dataDirectory: try options.require("data"))
        shardCount = try options.integer("shards", default: 4, in: 1...Self.maxShards)
        shardExecutable = options.string("shard-executable")
            ?? URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("shard").path
    }
}
