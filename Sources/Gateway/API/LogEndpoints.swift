import Wire
import WireRuntime

/// `GET /api/event-logs` and `GET /api/notifications`: pages over every shard,
/// continued with an opaque `cursor` (one position per shard).
struct LogEndpoints: Sendable {
    let coordinator: CoordinatorClient

    static let defaultLimit = 50
    static let maxLimit = 500

    /// The query parameters each endpoint takes; the router refuses others.
    static let auditParameters = ["type", "jobId", "limit", "cursor"]
    static let notificationParameters = ["limit", "cursor"]

    /// The audit entry types `type` may name: a contact's or an application's delete, or restore.
    static let auditTypes = ["CONTACT_DELETE", "APPLICATION_DELETE", "CONTACT_RESTORE", "APPLICATION_RESTORE"]

    /// The org's audit entries, filtered by `type` and `jobId`.
    func eventLogs(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        let query = QueryString(request.head.query)
        if let type = query["type"], !Self.auditTypes.contains(type) {
            throw .invalidQuery("type must be one of \(Self.auditTypes.joined(separator: ", ")), got \(type).")
        }
        return try await page(LogQuery(
            kind: .auditEntries, org: claims.orgId, type: query["type"], jobId: query["jobId"], userId: nil,
            after: try Self.positions(query["cursor"]), limit: try query.pageLimit(standard: Self.defaultLimit, maximum: Self.maxLimit)))
    }

    /// The calling user's notifications.
    func notifications(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        let query = QueryString(request.head.query)
        return try await page(LogQuery(
            kind: .notifications, org: claims.orgId, type: nil, jobId: nil, userId: claims.subject,
            after: try Self.positions(query["cursor"]), limit: try query.pageLimit(standard: Self.defaultLimit, maximum: Self.maxLimit)))
    }

    private func page(_ query: LogQuery) async throws(APIError) -> HTTPResponse {
        var query = query
        // One position per shard: a shard the cursor leaves out starts from its first entry, and
        // positions past this cluster's shards are ignored. So every cursor of the documented form
        // reads a page of the caller's own org (reads are scoped to it whatever the positions).
        if let shards = await coordinator.link.peerWelcome?.shardCount {
            query.after = (0..<Int(shards)).map { $0 < query.after.count ? query.after[$0] : 0 }
        }
        let page = try await coordinator.send(query)
        let entries = page.entries.map { Self.json($0, kind: query.kind, org: query.org) }.joined(separator: ",")
        let next = page.next.map { JSONText.quoted(Self.cursor($0)) } ?? "null"
        return .json(200, "{\"total\":\(page.total),\"entries\":[\(entries)],\"nextCursor\":\(next)}")
    }

    private static func json(_ entry: LogEntry, kind: LogQuery.Kind, org: String) -> String {
        let id = JSONText.quoted("\(entry.shard)-\(entry.seq)")
        let createdAt = JSONText.quoted(ISO8601.string(fromMilliseconds: entry.createdAt))
        switch kind {
        case .auditEntries:
            let record = entry.type.hasPrefix("CONTACT_") ? "contactId" : "applicationId"
            return """
                {"id":\(id),"type":\(JSONText.quoted(entry.type)),"orgId":\(JSONText.quoted(org)),"jobId":\(JSONText.quoted(entry.jobId)),\
                "actor":\(JSONText.quoted(entry.actor)),"\(record)":\(JSONText.quoted(entry.recordId)),"snapshot":\(entry.snapshot),\
                "createdAt":\(createdAt)}
                """
        case .notifications:
            return """
                {"id":\(id),"type":\(JSONText.quoted(entry.type)),"userId":\(JSONText.quoted(entry.actor)),\
                "contactId":\(JSONText.quoted(entry.recordId)),"jobId":\(JSONText.quoted(entry.jobId)),\
                "message":\(JSONText.quoted("Contact \(entry.recordId), assigned to you, was \(entry.type == "contact_restored" ? "restored" : "deleted") by bulk job \(entry.jobId).")),\
                "createdAt":\(createdAt)}
                """
        }
    }

    /// Positions as lowercase hex joined by dots: opaque to callers, checked when read.
    static func cursor(_ positions: [Int64]) -> String {
        positions.map { String($0, radix: 16) }.joined(separator: ".")
    }

    static func positions(_ cursor: String?) throws(APIError) -> [Int64] {
        guard let cursor else { return [] }
        let parts = cursor.split(separator: ".", omittingEmptySubsequences: false)
        let positions = parts.compactMap(QueryString.position)
        guard !cursor.isEmpty, positions.count == parts.count else {
            throw QueryString.unknownCursor
        }
        return positions
    }
}
