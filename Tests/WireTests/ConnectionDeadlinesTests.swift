import Testing
@testable import WireTransport

@Suite struct ConnectionDeadlinesTests {
    private let start = ContinuousClock.now

    @Test func theEarliestWaitRunsOutFirstAndOnlyWhenItsTimeHasCome() {
        var deadlines = ConnectionDeadlines()
        deadlines.start(.handshake, at: start, limit: .seconds(2))
        deadlines.start(.answer(correlation: 1), at: start, limit: .seconds(5))
        deadlines.start(.answer(correlation: 2), at: start + .seconds(1), limit: .milliseconds(500))
        #expect(deadlines.earliest == start + .milliseconds(1_500))
        #expect(deadlines.expire(at: start + .milliseconds(1_499)).isEmpty)
        let first = deadlines.expire(at: start + .seconds(3))
        #expect(first.map(\.wait) == [.answer(correlation: 2), .handshake])
        #expect(first.map(\.limit) == [.milliseconds(500), .seconds(2)])
        #expect(deadlines.earliest == start + .seconds(5))
    }

    @Test func aWaitThatEndsInTimeNeverRunsOut() {
        var deadlines = ConnectionDeadlines()
        deadlines.start(.answer(correlation: 7), at: start, limit: .seconds(1))
        deadlines.end(.answer(correlation: 7))
        #expect(deadlines.earliest == nil)
        #expect(deadlines.expire(at: start + .seconds(10)).isEmpty)
        deadlines.start(.handshake, at: start, limit: .seconds(1))
        deadlines.endAll()
        #expect(deadlines.earliest == nil)
    }
}
