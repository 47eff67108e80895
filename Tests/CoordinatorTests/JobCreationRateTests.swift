import Foundation
import Testing
import Wire
@testable import Coordinator

/// Job creation per org, as a token bucket fed with the time.
@Suite struct JobCreationRateTests {
    let start = ContinuousClock.now

    @Test func aBurstThenOneJobPerIntervalPerOrg() {
        var rate = JobCreationRate(burst: 3, refillEvery: .seconds(2))
        let burst = (0..<3).map { _ in rate.take(for: "o", at: start) }
        #expect(burst == [nil, nil, nil])
        #expect(rate.take(for: "o", at: start) == .seconds(2))
        #expect(rate.take(for: "other", at: start) == nil)  // another org has its own bucket
        #expect(rate.take(for: "o", at: start + .seconds(1)) == .seconds(1))
        #expect(rate.take(for: "o", at: start + .seconds(2)) == nil)
        // Refilled, never past the burst.
        let later = start + .seconds(60)
        #expect((0..<4).map { _ in rate.take(for: "o", at: later) } == [nil, nil, nil, .seconds(2)])
    }

    @Test func theRegistryRefusesAJobPastTheRateWith429ButAReplayIsNotCounted() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rate-\(UUID().uuidString).db").path
        let registry = try JobRegistry(path: path, shardCount: 1, creationRate: JobCreationRate(burst: 2, refillEvery: .seconds(60)))
        var filter = ContactFilter()
        filter.stageIds = ["s1"]
        let keyed = DeleteJobRequest(org: "o", requester: "u", filter: filter, filterJSON: "{}", idempotencyKey: "k")
        guard case .created = try await registry.register(keyed) else {
            Issue.record("not created")
            return
        }
        // Replays make no job, so they take nothing from the rate.
        for _ in 0..<5 {
            guard case .replayed = try await registry.register(keyed) else {
                Issue.record("not a replay")
                return
            }
        }
        let plain = DeleteJobRequest(org: "o", requester: "u", filter: filter, filterJSON: "{}")
        _ = try await registry.register(plain)
        let refused = await #expect(throws: RemoteFailure.self) { try await registry.register(plain) }
        #expect(refused?.kind == .tooManyRequests)
        #expect(refused?.message.contains("retry in") == true)
    }
}
