import Foundation
import Testing
@testable import Wire

@Suite struct PartitionMapTests {
    @Test func slotsAreStableAcrossBuilds() {
        // FNV-1a 64 mod 4096: fixed values, so data written by one build is found by the next.
        #expect(PartitionMap.slot(of: "") == UInt32(UInt64(0xcbf2_9ce4_8422_2325) % 4096))
        #expect(PartitionMap.slot(of: "aaaaaaaaaaaaaaaaaaaaaaa1") == PartitionMap.slot(of: "aaaaaaaaaaaaaaaaaaaaaaa1"))
        #expect(PartitionMap.slot(of: "a") == UInt32(UInt64(0xaf63_dc4c_8601_ec8c) % 4096))
    }

    @Test(arguments: [1, 2, 3, 4, 7, 64])
    func anEvenMapCoversEverySlotContiguously(shards: Int) {
        let map = PartitionMap.even(shards: shards)
        #expect(map.ranges.count == shards)
        #expect(map.isValid)
        for slot in stride(from: UInt32(0), to: PartitionMap.slotCount, by: 7) {
            let id = "id-\(slot)"
            let owner = map.shard(of: id)
            #expect(map.ranges[owner].contains(PartitionMap.slot(of: id)))
        }
    }

    @Test func spreadsIdsRoughlyEvenly() {
        let map = PartitionMap.even(shards: 4)
        var counts = [0, 0, 0, 0]
        for index in 0..<40_000 { counts[map.shard(of: String(format: "%024x", index))] += 1 }
        #expect(counts.allSatisfy { $0 > 8_000 && $0 < 12_000 }, "\(counts)")
    }

    @Test func slotRangesParseWhatTheyPrint() {
        let range = SlotRange(lower: 1024, upper: 2048)
        #expect(SlotRange(range.description) == range)
        #expect(SlotRange("5-5") == nil)
        #expect(SlotRange("0-5000") == nil)
        #expect(SlotRange("x") == nil)
    }

    @Test func aGapOrOverlapIsInvalid() {
        #expect(!PartitionMap(ranges: [SlotRange(lower: 0, upper: 10), SlotRange(lower: 11, upper: 4096)]).isValid)
        #expect(!PartitionMap(ranges: [SlotRange(lower: 0, upper: 100)]).isValid)
    }
}
