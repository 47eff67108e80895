import Testing
@testable import Gateway

/// The per-token and per-org caps on open event streams, counted without sockets.
@Suite struct EventStreamCountsTests {
    private func status(_ refusal: APIError?) -> Int? { refusal?.response.status }

    @Test func aTokenPastItsCapIsRefusedWith429AndRetryAfterUntilOneOfItsStreamsEnds() {
        var streams = EventStreamCounts(perToken: 2, perOrg: 10)
        #expect(streams.open(token: "a", org: "o") == nil)
        #expect(streams.open(token: "a", org: "o") == nil)
        let refusal = streams.open(token: "a", org: "o")
        #expect(status(refusal) == 429)
        #expect(refusal?.response.headers.contains { $0 == ("Retry-After", "\(EventStreamCounts.retryAfterSeconds)") } == true)
        guard case .tooManyRequests(let message, _) = refusal else { return #expect(Bool(false), "not a 429") }
        #expect(message.contains("This token already holds 2 open event streams (the limit is 2)"))
        // The refusal counted nothing; another token of the org still may open one.
        #expect(streams.count(token: "a", org: "o") == (2, 2))
        #expect(streams.open(token: "b", org: "o") == nil)
        streams.close(token: "a", org: "o")
        #expect(streams.count(token: "a", org: "o") == (1, 2))
        #expect(streams.open(token: "a", org: "o") == nil)
    }

    @Test func anOrgPastItsCapIsRefusedWhateverTokenItsClientsUseAndOtherOrgsAreNot() {
        var streams = EventStreamCounts(perToken: 2, perOrg: 3)
        for token in ["a", "b", "c"] { #expect(streams.open(token: token, org: "o") == nil) }
        let refusal = streams.open(token: "d", org: "o")
        #expect(status(refusal) == 429)
        guard case .tooManyRequests(let message, _) = refusal else { return #expect(Bool(false), "not a 429") }
        #expect(message.contains("Your organization already holds 3 open event streams (the limit is 3)"))
        #expect(streams.open(token: "e", org: "other") == nil)
        streams.close(token: "b", org: "o")
        #expect(streams.open(token: "d", org: "o") == nil)
        for token in ["a", "c", "d"] { streams.close(token: token, org: "o") }
        streams.close(token: "e", org: "other")
        #expect(streams.count(token: "a", org: "o") == (0, 0))
    }

    @Test func theStandardCapsAreTheDocumentedOnes() {
        let streams = EventStreamCounts()
        #expect((streams.perToken, streams.perOrg) == (10, 200))
    }
}
