import Testing
@testable import Coordinator
import Wire

@Suite struct ContactGroupMergerTests {
    private func answer(_ groups: [(String?, UInt64)], truncated: Bool = false) -> ContactGroups {
        ContactGroups(groups: groups.map { ContactGroup(key: $0.0, contacts: $0.1) }, truncated: truncated)
    }

    private func listed(_ groups: ContactGroups) -> [String] { groups.groups.map { "\($0.key ?? "nil")=\($0.contacts)" } }

    @Test func sumsEveryShardsCountsByKeyTheLargestFirstThenByKeyWithTheNilKeyLast() {
        let merged = ContactGroupMerger.merge([
            answer([("s1", 5), ("s2", 2), (nil, 1)]),
            answer([("s2", 3), (nil, 4), ("s0", 1)]),
            answer([]),
        ])
        #expect(listed(merged) == ["s1=5", "s2=5", "nil=5", "s0=1"])
        #expect(!merged.truncated)
    }

    @Test func listsAtMostTheLimitAndSaysTruncatedWhenMoreRemain() {
        let shards = [answer([("a", 9), ("b", 1)]), answer([("c", 5), ("d", 5)])]
        let merged = ContactGroupMerger.merge(shards, limit: 3)
        #expect(listed(merged) == ["a=9", "c=5", "d=5"])
        #expect(merged.truncated)
        #expect(!ContactGroupMerger.merge(shards, limit: 4).truncated, "exactly the limit is all of them")
    }

    /// A shard that left groups out may hold some of any key it did not send: such a key's sum may be
    /// short, so it is not listed, and the answer says it is truncated.
    @Test func listsOnlyTheKeysEveryTruncatedShardSentSoEveryCountShownIsExact() {
        let merged = ContactGroupMerger.merge([
            answer([("a", 10), ("b", 8)], truncated: true),  // left out its smallest, each at most 8
            answer([("c", 50), ("a", 1), ("d", 2)]),
            answer([("b", 4), ("e", 1)], truncated: true),
        ])
        #expect(listed(merged) == ["b=12"], "a and c may have more on the third shard, which did not send them")
        #expect(merged.truncated)
    }

    @Test func stopsAtTheByteBudgetButAlwaysListsOne() {
        let large = String(repeating: "k", count: StatsGroups.byteBudget / 3)
        let merged = ContactGroupMerger.merge([answer([(large + "1", 3), (large + "2", 2), (large + "3", 1)])])
        #expect(merged.groups.map(\.contacts) == [3, 2])
        #expect(merged.truncated)
        let huge = ContactGroupMerger.merge([answer([(large + large + large, 1)])])
        #expect(huge.groups.count == 1 && !huge.truncated)
    }
}
