import Synchronization
import Testing
import WireRuntime
@testable import Gateway

/// Reads per org, fed with the time: the burst, then 429 with the seconds until the next.
@Suite struct ReadRateTests {
    let start = ContinuousClock.now

    @Test func anOrgReadingPastItsBurstIsRefusedWith429AndRetryAfterOtherOrgsAreNot() {
        let reads = ReadRate(perSecond: 2)
        for _ in 0..<(2 * ReadRate.burstSeconds) { #expect(throws: Never.self) { try reads.take(for: "o", at: start) } }
        #expect {
            try reads.take(for: "o", at: start)
        } throws: { error in
            let response = (error as? APIError)?.response
            return response?.status == 429 && response?.headers.contains { $0 == ("Retry-After", "1") } == true
                && String(decoding: response?.body ?? [], as: UTF8.self).contains("reads faster than 2 requests a second")
        }
        #expect(throws: Never.self) { try reads.take(for: "other", at: start) }
        // Half a second later one read has come back.
        #expect(throws: Never.self) { try reads.take(for: "o", at: start + .milliseconds(500)) }
    }

    @Test func aLimitedEndpointRunsOnlyWhenTheReadIsAllowed() async {
        let reads = ReadRate(perSecond: 1)
        let ran = Mutex(0)
        let endpoint = reads.limited { _, _ throws(APIError) in
            ran.withLock { $0 += 1 }
            return .json(200, "{}")
        }
        let claims = Claims(subject: "u", orgId: "o", role: .agent, expiresAt: .max)
        let request = HTTPRequest(head: AuthTests.head(authorization: nil), body: [])
        var statuses: [Int] = []
        for _ in 0..<(ReadRate.burstSeconds + 1) {
            do throws(APIError) { statuses.append(try await endpoint(request, claims).status) } catch { statuses.append(error.response.status) }
        }
        #expect(statuses == Array(repeating: 200, count: ReadRate.burstSeconds) + [429])
        #expect(ran.withLock { $0 } == ReadRate.burstSeconds)
    }

    @Test func aLimitedEndpointReadsTheRatesClockSoARefusedReadComesBackAsItMoves() async {
        let clock = ManualClock()
        let reads = ReadRate(perSecond: 1, clock: clock)
        let endpoint = reads.limited { _, _ throws(APIError) in .json(200, "{}") }
        let claims = Claims(subject: "u", orgId: "o", role: .agent, expiresAt: .max)
        let request = HTTPRequest(head: AuthTests.head(authorization: nil), body: [])
        func status() async -> Int {
            do throws(APIError) { return try await endpoint(request, claims).status } catch { return error.response.status }
        }
        for _ in 0..<ReadRate.burstSeconds { #expect(await status() == 200) }
        #expect(await status() == 429)
        clock.advance(by: .seconds(1))
        #expect(await status() == 200)
        #expect(await status() == 429)
    }

    @Test func theStandardRateIsTheDocumentedOne() {
        #expect(ReadRate().perSecond == 50 && ReadRate.burstSeconds == 2)
        #expect(GatewayLimits.standard.readsPerSecond == ReadRate.standardPerSecond)
    }
}
