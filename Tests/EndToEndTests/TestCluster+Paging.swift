import TestSupport
import Testing

extension TestCluster {
    /// Every entry of a paged listing (`/api/event-logs`, `/api/notifications`), following
    /// `nextCursor` to the end, `limit` a page: the `total` the last page gave, the entries' ids and
    /// the entries, in the order they came.
    func allEntries(_ path: String, token: String, limit: Int) throws -> (total: Int, ids: [String], entries: [[String: Any]]) {
        var cursor: String?
        var entries: [[String: Any]] = []
        var total = -1
        repeat {
            let separator = path.contains("?") ? "&" : "?"
            let page = try send("GET", path + separator + "limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
            #expect(page.status == 200, "\(page)")
            total = page.json["total"] as? Int ?? -1
            let batch = page.json["entries"] as? [[String: Any]] ?? []
            #expect(batch.count <= limit)
            entries += batch
            cursor = page.json["nextCursor"] as? String
        } while cursor != nil
        return (total, entries.compactMap { $0["id"] as? String }, entries)
    }
}
