import Wire
import WireRuntime

/// The read endpoints over contacts: query-count, query, one contact, and an org's stats.
struct ContactEndpoints: Sendable {
    let coordinator: CoordinatorClient

    /// Records a page of `POST /api/contacts/query` holds: by default, and at most.
    static let defaultPage = 20
    static let maxPage = 100

    /// `POST /api/contacts/query-count`: `{"count": n}` for the filter in the body.
    func queryCount(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        let filter = try FilterParser.parse(request.body, requester: claims.subject)
        guard case .count(let count) = try await coordinator.send(.countMatching(org: claims.orgId, filter: filter)) else {
            throw .internalError("the coordinator answered a count with something else")
        }
        return .json(200, "{\"count\":\(count)}")
    }

    /// `POST /api/contacts/query?limit=n&cursor=c`: the records the filter in the body matches, in
    /// id order, a page at a time; `nextCursor` is null on the last page.
    func query(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        let filter = try FilterParser.parse(request.body, requester: claims.subject)
        let parameters = QueryString(request.head.query)
        let limit = try parameters.pageLimit(standard: Self.defaultPage, maximum: Self.maxPage)
        var after: String?
        if let cursor = parameters["cursor"] {
            guard ImportLineParser.isValidId(cursor) else { throw QueryString.unknownCursor }
            after = cursor
        }
        let page = try await coordinator.matchingRecords(RecordQuery(org: claims.orgId, filter: filter, after: after, limit: limit))
        let next = page.more ? page.records.last.map { JSONText.quoted($0.id) } ?? "null" : "null"
        return .json(200, "{\"contacts\":\(Self.json(page.records, org: claims.orgId)),\"nextCursor\":\(next)}")
    }

    /// `GET /api/contacts/{id}`: the contact with `conversationCount` and `messageCount`; 404 when
    /// absent or another org's (the same answer, so ids of other tenants cannot be probed).
    func contact(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        let id = request.parameters["id"] ?? ""
        let notFound = APIError.remote(RemoteFailure(.notFound, "No contact \(id) in your organization."))
        guard ImportLineParser.isValidId(id) else { throw notFound }
        guard case .contact(let detail) = try await coordinator.send(.contact(org: claims.orgId, id: id)) else {
            throw .internalError("the coordinator answered a contact read with something else")
        }
        guard let detail else { throw notFound }
        return .json(200, Self.json(detail.contact, org: claims.orgId, counts: (detail.conversationCount, detail.messageCount)))
    }

    /// `GET /api/contacts/stats`: the caller's org's row counts; with `by=stage` or `by=owner`, its
    /// contacts counted by that column instead (`StatsGroups` says how they are bounded).
    func stats(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        if let by = try Self.grouping(QueryString(request.head.query)["by"]) { return try await groups(by, org: claims.orgId) }
        guard case .stats(let stats) = try await coordinator.send(.stats(org: claims.orgId)) else {
            throw .internalError("the coordinator answered a stats request with something else")
        }
        return .json(200, """
            {"contacts":\(stats.contacts),"applications":\(stats.applications),"conversations":\(stats.conversations),\
            "messages":\(stats.messages),"auditEntries":\(stats.auditEntries),"notifications":\(stats.notifications)}
            """)
    }

    /// The grouping `by` names; nil when absent; 400 naming the allowed values for any other.
    static func grouping(_ by: String?) throws(APIError) -> ContactGrouping? {
        guard let by else { return nil }
        guard let grouping = ContactGrouping.allCases.first(where: { $0.description == by }) else {
            let allowed = ContactGrouping.allCases.map(\.description).joined(separator: ", ")
            throw .invalidQuery("by must be one of \(allowed) (or absent, for the totals), got \(JSONValue.quotedExcerpt(by)).")
        }
        return grouping
    }

    /// `{"by":…,"groups":[{"stageId"|"assignedTo":…,"contacts":n},…],"truncated":…}`: the key is null for contacts without one.
    private func groups(_ by: ContactGrouping, org: String) async throws(APIError) -> HTTPResponse {
        guard case .contactGroups(let answer) = try await coordinator.send(.contactGroups(org: org, by: by)) else {
            throw .internalError("the coordinator answered a stats-by request with something else")
        }
        let field = by == .stage ? "stageId" : "assignedTo"
        let groups = answer.groups.map { "{\"\(field)\":\($0.key.map(JSONText.quoted) ?? "null"),\"contacts\":\($0.contacts)}" }
        return .json(200, "{\"by\":\"\(by)\",\"groups\":[\(groups.joined(separator: ","))],\"truncated\":\(answer.truncated)}")
    }

    /// Records as a JSON array, as `POST /api/contacts/query` and a dry run's sample show them.
    static func json(_ records: [ImportRecord], org: String) -> String {
        "[" + records.map { json($0, org: org) }.joined(separator: ",") + "]"
    }

    /// A contact or application as the API shows it (an application with its `contactId`), with its
    /// conversation and message counts when `counts` gives them.
    static func json(_ record: ImportRecord, org: String, counts: (conversations: UInt64, messages: UInt64)? = nil) -> String {
        let optional = { (value: String?) in value.map(JSONText.quoted) ?? "null" }
        let kind = record.kind == .application ? "\"Application\",\"contactId\":\(JSONText.quoted(record.contactId))" : "\"Contact\""
        let counted = counts.map { ",\"conversationCount\":\($0.conversations),\"messageCount\":\($0.messages)" } ?? ""
        return """
            {"_id":\(JSONText.quoted(record.id)),"orgId":\(JSONText.quoted(org)),"kind":\(kind),\
            "stageId":\(optional(record.stageId)),"assignedTo":\(optional(record.assignedTo)),\
            "name":\(JSONText.quoted(record.name)),"email":\(JSONText.quoted(record.email)),"phone":\(JSONText.quoted(record.phone)),\
            "tags":\(JSONText.array(record.tags)),"source":\(optional(record.source)),\
            "createdAt":\(JSONText.quoted(ISO8601.string(fromMilliseconds: record.createdAt))),\
            "updatedAt":\(JSONText.quoted(ISO8601.string(fromMilliseconds: record.updatedAt)))\(counted)}
            """
    }
}

extension CoordinatorClient {
    /// A page of the records `query` matches, merged from every shard in id order.
    func matchingRecords(_ query: RecordQuery) async throws(APIError) -> RecordPage {
        guard case .records(let page) = try await send(.queryRecords(query)) else {
            throw .internalError("the coordinator answered a query with something else")
        }
        return page
    }
}
