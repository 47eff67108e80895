import Wire

/// Merges every shard's page of matching records into one page in id order, and says whether
/// another page follows (its cursor is then the last id taken).
///
/// Pure. Each shard returns the first `limit` records after the cursor and says `more` when it
/// has others past its last. The merge takes the lowest ids first and never takes past the last
/// record of a shard with more, since that shard's next record may sort before any other's;
/// it stops at `RecordPage.byteBudget` too, so a page always fits a frame.
enum RecordMerger {
    static func merge(_ pages: [RecordPage], limit: Int) -> RecordPage {
        let candidates = pages.enumerated()
            .flatMap { shard, page in page.records.enumerated().map { (record: $1, shard: shard, isLast: $0 == page.records.count - 1) } }
            .sorted { $0.record.id < $1.record.id }
        var taken: [ImportRecord] = []
        var bytes = 0
        var stoppedAtAShardsEnd = false
        for candidate in candidates {
            guard taken.count < limit, taken.isEmpty || bytes + candidate.record.encodedSize <= RecordPage.byteBudget else { break }
            taken.append(candidate.record)
            bytes += candidate.record.encodedSize
            if candidate.isLast && pages[candidate.shard].more {
                stoppedAtAShardsEnd = true
                break
            }
        }
        let more = taken.count < candidates.count || stoppedAtAShardsEnd
        return RecordPage(records: taken, more: more)
    }
}
