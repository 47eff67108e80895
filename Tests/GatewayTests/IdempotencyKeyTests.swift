import Testing

@testable import Gateway

/// The Idempotency-Key header as every route that starts a job reads it, before anything else.
@Suite struct IdempotencyKeyTests {
    private func headers(_ values: [String]) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.append(name: "Content-Type", value: "application/json")
        for value in values { headers.append(name: "Idempotency-Key", value: value) }
        return headers
    }

    @Test func aKeyOfOneToTheMostCharactersIsTaken() throws {
        #expect(try IdempotencyKey.of(headers([])) == nil)
        #expect(try IdempotencyKey.of(headers(["k"])) == "k")
        let longest = String(repeating: "é", count: IdempotencyKey.maxLength)
        #expect(try IdempotencyKey.of(headers([longest])) == longest)
    }

    /// Counted in Unicode scalars, as the OpenAPI document's maxLength counts: a combining mark is one more.
    @Test(arguments: [
        ("", 0), (String(repeating: "k", count: IdempotencyKey.maxLength + 1), IdempotencyKey.maxLength + 1),
        (String(repeating: "e\u{301}", count: IdempotencyKey.maxLength / 2 + 1), IdempotencyKey.maxLength + 2),
    ])
    func aKeyOutsideTheBoundsIsRefusedSayingThem(key: String, length: Int) {
        let expected = APIError.invalidHeader(
            "Idempotency-Key must be 1 to \(IdempotencyKey.maxLength) characters, got \(length): send a shorter key, e.g. a UUID.")
        #expect(throws: expected) { try IdempotencyKey.of(headers([key])) }
    }

    @Test func aKeySentTwiceIsRefused() {
        #expect(throws: APIError.invalidHeader("Idempotency-Key was sent 2 times: send it once.")) {
            try IdempotencyKey.of(headers(["a", "a"]))
        }
    }
}
