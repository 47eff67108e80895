import Foundation
import Wire

/// The partition map, kept durably at `DIR/partition.map` (or, on PostgreSQL, in
/// the registry's database): one `LOWER-UPPER` slot range per line, line i for shard i.
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
        let recorded = FileManager.default.fileExists(atPath: path) ? try String(contentsOfFile: path, encoding: .utf8) : nil
        return try loadOrCreate(recorded: recorded, at: path, shards: shards) { text in
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    /// The map `recorded` (its text, read from `place`), or, when there is none, an even one for
    /// `shards`, handed to `record` to keep.
    static func loadOrCreate(recorded: String?, at place: String, shards: Int, record: (String) throws -> Void) throws -> PartitionMap {
        guard let recorded else {
            let map = PartitionMap.even(shards: shards)
            try record(map.ranges.map(\.description).joined(separator: "\n") + "\n")
            return map
        }
        let map = try parse(recorded, path: place)
        guard map.ranges.count == shards else {
            throw LoadError.shardCountChanged(path: place, recorded: map.ranges.count, requested: shards)
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
