/// How contacts are spread over shards: a stable hash of the contact id picks
/// one of `slotCount` slots, and each shard owns one contiguous slot range.
///
/// The hash is FNV-1a (64-bit) over the id's UTF-8 bytes: stable across
/// processes, builds and machines, unlike Swift's seeded `Hasher`.
package struct PartitionMap: WireCodable {
    /// Fixed for the life of a cluster's data: changing it moves every contact.
    package static let slotCount: UInt32 = 4096

    /// Shard `i` owns `ranges[i]`; the ranges are contiguous and cover every slot.
    package let ranges: [SlotRange]

    package init(ranges: [SlotRange]) { self.ranges = ranges }

    /// `shards` ranges of (nearly) equal size, in order.
    package static func even(shards: Int) -> PartitionMap {
        precondition(shards > 0 && shards <= Int(slotCount), "shard count out of range")  // configuration bug
        let total = Int(slotCount)
        let ranges = (0..<shards).map { index in
            SlotRange(lower: UInt32(index * total / shards), upper: UInt32((index + 1) * total / shards))
        }
        return PartitionMap(ranges: ranges)
    }

    package static func slot(of id: String) -> UInt32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return UInt32(hash % UInt64(slotCount))
    }

    /// The shard owning the slot of `id`.
    package func shard(of id: String) -> Int {
        let slot = Self.slot(of: id)
        // Ranges are sorted and contiguous: a binary search finds the owner.
        var low = 0
        var high = ranges.count - 1
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upper <= slot { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// True when the ranges are sorted, contiguous, and cover exactly 0..<slotCount.
    package var isValid: Bool {
        guard let first = ranges.first, let last = ranges.last, first.lower == 0, last.upper == Self.slotCount else { return false }
        return zip(ranges, ranges.dropFirst()).allSatisfy { $0.upper == $1.lower } && ranges.allSatisfy { $0.lower < $0.upper }
    }

    package func encode(to writer: inout WireWriter) { writer.write(array: ranges) }

    package init(from reader: inout WireReader) throws(WireError) {
        ranges = try reader.readArray("partition.ranges")
    }
}

/// Slots `lower..<upper`.
package struct SlotRange: WireCodable, CustomStringConvertible {
    package let lower: UInt32
    package let upper: UInt32

    package init(lower: UInt32, upper: UInt32) {
        self.lower = lower
        self.upper = upper
    }

    package var description: String { "\(lower)-\(upper)" }

    /// Parses `lower-upper` as written by `description`.
    package init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let lower = UInt32(parts[0]), let upper = UInt32(parts[1]), lower < upper, upper <= PartitionMap.slotCount else {
            return nil
        }
        self.init(lower: lower, upper: upper)
    }

    package func contains(_ slot: UInt32) -> Bool { slot >= lower && slot < upper }

    package func encode(to writer: inout WireWriter) {
        writer.write(lower)
        writer.write(upper)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        lower = try reader.readUInt32("slotRange.lower")
        upper = try reader.readUInt32("slotRange.upper")
    }
}
