import Foundation
import Testing
import Wire
import WireRuntime
@testable import Coordinator

/// Job creation per org: the registry takes from its `RateLimiter` only for a job it creates.
@Suite struct JobCreationRateTests {
    @Test func theRegistryRefusesAJobPastTheRateWith429ButAReplayIsNotCounted() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rate-\(UUID().uuidString).db").path
        let registry = try JobRegistry(path: path, shardCount: 1, creationRate: RateLimiter(burst: 2, refillEvery: .seconds(60)))
        var filter = ContactFilter()
        filter.stageIds = ["s1"]
        let keyed = JobRequest(spec: JobSpec(kind: .delete, org: "o", requester: "u", filter: filter), filterJSON: "{}", idempotencyKey: "k")
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
        let plain = JobRequest(spec: JobSpec(kind: .delete, org: "o", requester: "u", filter: filter), filterJSON: "{}")
        _ = try await registry.register(plain)
        let refused = await #expect(throws: RemoteFailure.self) { try await registry.register(plain) }
        #expect(refused?.kind == .tooManyRequests)
        #expect(refused?.message.contains("retry in") == true)
    }

    @Test func aRefusedOrgMayCreateAgainOnceTheRegistrysClockHasMovedOneRefill() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rate-\(UUID().uuidString).db").path
        let clock = ManualClock()
        let registry = try JobRegistry(path: path, shardCount: 1, creationRate: RateLimiter(burst: 1, refillEvery: .seconds(60)), clock: clock)
        var filter = ContactFilter()
        filter.stageIds = ["s1"]
        let request = JobRequest(spec: JobSpec(kind: .delete, org: "o", requester: "u", filter: filter), filterJSON: "{}")
        _ = try await registry.register(request)
        clock.advance(by: .seconds(30))
        let refused = await #expect(throws: RemoteFailure.self) { try await registry.register(request) }
        #expect(refused?.retryAfterSeconds == 30, "\(String(describing: refused))")
        clock.advance(by: .seconds(30))
        guard case .created = try await registry.register(request) else {
            Issue.record("not created")
            return
        }
    }
}
