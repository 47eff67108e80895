import Wire

/// The read endpoints over contacts: query-count, one contact, and an org's stats.
struct ContactEndpoints: Sendable {
    let coordinator: CoordinatorClient

    /// `POST /api/contacts/query-count`: `{"count": n}` for the filter in the body.
    func queryCount(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        let filter = try FilterParser.parse(request.body, requester: claims.subject)
        guard case .count(let count) = try await coordinator.send(.countMatching(org: claims.orgId, filter: filter)) else {
            throw .internalError("the coordinator answered a count with something else")
        }
        return .json(200, "{\"count\":\(count)}")
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
        return .json(200, Self.json(detail, org: claims.orgId))
    }

    /// `GET /api/contacts/stats`: the caller's org's row counts.
    func stats(_ request: HTTPRequest, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        guard case .stats(let stats) = try await coordinator.send(.stats(org: claims.orgId)) else {
            throw .internalError("the coordinator answered a stats request with something else")
        }
        return .json(200, """
            {"contacts":\(stats.contacts),"applications":\(stats.applications),"conversations":\(stats.conversations),\
            "messages":\(stats.messages),"auditEntries":\(stats.auditEntries),"notifications":\(stats.notifications)}
            """)
    }

    static func json(_ detail: ContactDetail, org: String) -> String {
        let contact = detail.contact
        let optional = { (value: String?) in value.map(JSONText.quoted) ?? "null" }
        return """
            {"_id":\(JSONText.quoted(contact.id)),"orgId":\(JSONText.quoted(org)),"kind":"Contact",\
            "stageId":\(optional(contact.stageId)),"assignedTo":\(optional(contact.assignedTo)),\
            "name":\(JSONText.quoted(contact.name)),"email":\(JSONText.quoted(contact.email)),"phone":\(JSONText.quoted(contact.phone)),\
            "tags":\(JSONText.array(contact.tags)),"source":\(optional(contact.source)),\
            "createdAt":\(JSONText.quoted(ISO8601.string(fromMilliseconds: contact.createdAt))),\
            "updatedAt":\(JSONText.quoted(ISO8601.string(fromMilliseconds: contact.updatedAt))),\
            "conversationCount":\(detail.conversationCount),"messageCount":\(detail.messageCount)}
            """
    }
}
