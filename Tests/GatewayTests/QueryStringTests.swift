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

    /// A cursor's position is lowercase hex below 16^15, leading zeros allowed, as the OpenAPI
    /// document's patterns say; `Int64(_:radix:)` alone took "F" and "+5" (a fuzzer found it).
    @Test(arguments: [("0", 0), ("1f", 0x1f), ("000a", 10), ("fffffffffffffff", 0xfff_ffff_ffff_ffff), ("0000fffffffffffffff", 0xfff_ffff_ffff_ffff)])
    func aPositionIsLowercaseHex(text: String, value: Int64) {
        #expect(QueryString.position(text[...]) == value)
    }

    @Test(arguments: ["", "F", "1F", "+5", "-1", "1000000000000000", "g", " 1", "0x1"])
    func anythingElseIsNoPosition(text: String) {
        #expect(QueryString.position(text[...]) == nil)
    }
}
