import Wire

/// Merges per-shard pages of audit entries or notifications into one page,
/// oldest first, and says where each shard continues.
///
/// Pure. The coordinator asks each shard for `limit + 1` entries after its
/// position, so a shard with entries left over shows it by returning more
/// than the page can take from it; a shard that stopped at the byte budget
/// shows it by its `next`. The merge never takes past the last entry it has
/// of a shard with more, since that shard's next entry may sort before any
/// other's; and it stops at `LogPage.byteBudget` too, so a page always fits a frame.
enum LogMerger {
    static func merge(_ pages: [LogPage], after: [Int64], limit: Int) -> LogPage {
        let candidates = pages.flatMap(\.entries).sorted {
            ($0.createdAt, $0.shard, $0.seq) < ($1.createdAt, $1.shard, $1.seq)
        }
        var unseen = pages.map(\.entries.count)
        let cut = pages.map { $0.next != nil }
        var taken: [LogEntry] = []
        var bytes = 0
        var next = after
        for entry in candidates {
            let shard = Int(entry.shard)
            guard taken.count < limit, taken.isEmpty || bytes + entry.encodedSize <= LogPage.byteBudget else { break }
            taken.append(entry)
            bytes += entry.encodedSize
            next[shard] = max(next[shard], entry.seq)
            unseen[shard] -= 1
            if unseen[shard] == 0 && cut[shard] { break }
        }
        let more = taken.count < candidates.count || zip(unseen, cut).contains { $0 == 0 && $1 }
        return LogPage(total: pages.reduce(0) { $0 + $1.total }, entries: taken, next: more ? next : nil)
    }
}
