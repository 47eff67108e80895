import Wire

/// Merges every shard's contact groups into the cluster's: counts summed by key, listed in
/// `ContactGroup.listOrder`, at most `limit` groups.
///
/// Pure. A shard that says `truncated` left out its smallest groups, and any of them may hold some
/// of its contacts: a key it did not send has a sum that may be short. So only the keys that every
/// truncated shard sent are listed (a shard that sent all its groups has none of the others), and
/// the answer says `truncated` whenever a shard did, or more groups remain than it lists.
enum ContactGroupMerger {
    static func merge(_ answers: [ContactGroups], limit: Int = StatsGroups.limit) -> ContactGroups {
        var sums: [String?: UInt64] = [:]
        for answer in answers {
            for group in answer.groups { sums[group.key, default: 0] += group.contacts }
        }
        let sentByEveryCutShard = answers.filter(\.truncated).map { Set($0.groups.map(\.key)) }
        let exact = sums.filter { key, _ in sentByEveryCutShard.allSatisfy { $0.contains(key) } }
            .map { ContactGroup(key: $0.key, contacts: $0.value) }
            .sorted(by: ContactGroup.listOrder)
        var collector = ContactGroups.Collector(limit: limit)
        for group in exact { guard collector.add(group) else { break } }
        var merged = collector.answer
        if !sentByEveryCutShard.isEmpty { merged.truncated = true }
        return merged
    }
}
