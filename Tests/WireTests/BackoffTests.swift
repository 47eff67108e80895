import Testing
@testable import WireTransport

@Suite struct BackoffTests {
    @Test func doublesFromInitialAndCapsAtMaximum() {
        var backoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(300))
        let delays = (0..<5).map { _ in backoff.nextDelay() }
        #expect(delays == [.milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(300), .milliseconds(300)])
    }

    @Test func resetStartsAgainFromInitial() {
        var backoff = Backoff.reconnect
        _ = backoff.nextDelay()
        _ = backoff.nextDelay()
        backoff.reset()
        #expect(backoff.nextDelay() == Backoff.reconnect.initial)
    }
}
