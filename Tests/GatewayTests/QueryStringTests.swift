import Testing
@testable import Gateway

/// Query strings: decoded, and an endpoint's parameters checked by name.
@Suite struct QueryStringTests {
    @Test func decodesPairs() {
        let query = QueryString("type=CONTACT_DELETE&jobId=a%2Fb&note=x+y")
        #expect(query["jobId"] == "a/b")
        #expect(query["note"] == "x y")
        #expect(query["missing"] == nil)
    }

    @Test(arguments: [
        ("jobid=1", "jobid is not a query parameter of this endpoint (did you mean jobId?); it takes type, jobId, limit, cursor."),
        ("limt=1", "limt is not a query parameter of this endpoint (did you mean limit?); it takes type, jobId, limit, cursor."),
        ("page=2", "page is not a query parameter of this endpoint; it takes type, jobId, limit, cursor."),
    ])
    func anUnknownParameterIsRefusedNamingItAndTheOneMeant(query: String, message: String) {
        #expect(throws: APIError.invalidQuery(message)) { try QueryString(query).check(allowed: ["type", "jobId", "limit", "cursor"]) }
    }

    @Test func knownParametersPass() throws {
        try QueryString("type=CONTACT_DELETE&jobId=j&limit=5&cursor=0.0").check(allowed: ["type", "jobId", "limit", "cursor"])
        try QueryString(nil).check(allowed: [])
    }
}
