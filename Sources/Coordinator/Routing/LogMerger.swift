import Wire

/// Merges per-shard pages of audit entries or notifications into one page,
/// oldest first, and says where each shard continues.
///
/// Pure: the coordinator asks each shard for `limit + 1` entries after its
/// position, so a shard with entries left over shows it by returning more
/// than the page took from it.
enum LogMerger {
    static func merge(_ pages: [(total: UInt64, entries: [LogEntry])], after: [Int64], limit: Int) -> LogPage {
        let candidates = pages.flatMap(\.entries).sorted {
            ($0.createdAt, $0.shard, $0.seq) < ($1.createdAt, $1.shard, $1.seq)
        }
        let taken = Array(candidates.prefix(limit))
        var next = after
        for entry in taken { next[Int(entry.shard)] = max(next[Int(entry.shard)], entry.seq) }
        let more = candidates.count > taken.count
        return LogPage(total: pages.reduce(0) { $0 + $1.total }, entries: taken, next: more ? next : nil)
    }
}
