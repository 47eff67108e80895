import Foundation
import Wire

/// The partition map, kept durably at `DIR/partition.map`: one `LOWER-UPPER`
/// slot range per line, line i for shard i.
///
/// Written once when a cluster's data directory is new; afterwards the map is
/// the truth, and a start with another shard count is refused rather than
/// silently moving every contact to the wrong shard.
enum PartitionMapFile {
    enum LoadError: Error, Equatable, CustomStringConvertible {
        case shardCountChanged(path: String, recorded: Int, requested: Int)
        case corrupt(path: String, reason: String)

        var description: String {
            switch self {
            case .shardCountChanged(let path, let recorded, let requested):
                "\(path) partitions this cluster's data over \(recorded) shards; start it with --shards \(recorded), not \(requested) (re-partitioning is not supported)"
            case .corrupt(let path, let reason):
                "\(path) is not a valid partition map: \(reason)"
            }
        }
    }

    /// Loads the map at `path`, or creates an even one for `shards` when there is none.
    static func loadOrCreate(at path: String, shards: Int) throws -> PartitionMap {
        guard FileManager.default.fileExists(atPath: path) else {
            let map = PartitionMap.even(shards: shards)
            try (map.ranges.map(\.description).joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return map
        }
        let map = try parse(String(contentsOfFile: path, encoding: .utf8), path: path)
        guard map.ranges.count == shards else {
            throw LoadError.shardCountChanged(path: path, recorded: map.ranges.count, requested: shards)
        }
        return map
    }

    static func parse(_ text: String, path: String) throws(LoadError) -> PartitionMap {
        var ranges: [SlotRange] = []
        for line in text.split(separator: "\n") where !line.isEmpty {
            guard let range = SlotRange(String(line)) else { throw .corrupt(path: path, reason: "bad line \(line)") }
            ranges.append(range)
        }
        let map = PartitionMap(ranges: ranges)
        guard map.isValid else { throw .corrupt(path: path, reason: "ranges do not cover 0-\(PartitionMap.slotCount) contiguously") }
        return map
    }
}
