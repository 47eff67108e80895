import Testing
import Wire
@testable import Coordinator

/// Each peer role may make of the coordinator only the calls of its own family.
@Suite struct PeerPermissionsTests {
    static let gatewayCalls: [CallFrame] = [
        CheckHealth().gatewayCall, ReadStats(org: "o").gatewayCall, JobListQuery(org: "o", limit: 5).gatewayCall,
        ReadJob(org: "o", jobId: "j").gatewayCall, CancelJob(org: "o", jobId: "j", by: "u").gatewayCall,
        CountMatching(org: "o", filter: ContactFilter()).gatewayCall, ReadMetrics().gatewayCall,
        ReadEvents(org: "o", after: nil, limit: 1).gatewayCall, ReadContact(org: "o", id: "c").gatewayCall,
        GroupContacts(org: "o", by: .owner).gatewayCall,
    ].map(CallFrame.init)
    static let publish = CallFrame(ShardCall.publishEvents(PublishEvents([])))
    static let report = CallFrame(OperatorCall.unfinishedJobs(ListUnfinishedJobs(limit: 1)))

    @Test func theGatewaySendsTheTenantCallsAShardPublishesEventsAnOperatorReportsJobs() {
        for call in Self.gatewayCalls { #expect(call.conversation == PeerPermissions.conversation(of: .gateway), "\(call.callName)") }
        #expect(Self.publish.conversation == PeerPermissions.conversation(of: .shard))
        #expect(Self.report.conversation == PeerPermissions.conversation(of: .operator))
        #expect(PeerPermissions.conversation(of: .coordinator) == nil)
        for call in [Ping().coordinatorCall, CancelSlice(jobId: "j").coordinatorCall, RethrottleSlice(jobId: "j", recordsPerSecond: nil).coordinatorCall] {
            #expect([Role.gateway, .coordinator, .shard, .operator].allSatisfy { PeerPermissions.conversation(of: $0) != CallFrame(call).conversation }, "\(call)")
        }
    }

    @Test func aCallFromAnotherRoleIsRefusedNamingWhoSendsIt() throws {
        for call in Self.gatewayCalls {
            #expect(PeerPermissions.refusal(of: call, from: .gateway) == nil)
            for role in [Role.shard, .operator, .coordinator] {
                #expect(PeerPermissions.refusal(of: call, from: role)?.kind == .badRequest, "\(role) \(call.callName)")
            }
        }
        let refusal = try #require(PeerPermissions.refusal(of: CallFrame(JobListQuery(org: "org-secret", limit: 5).gatewayCall), from: .shard))
        #expect(refusal.message == "a peer of role shard may not send `listJobs` to the coordinator: only the gateway sends it")
        #expect(PeerPermissions.refusal(of: Self.publish, from: .shard) == nil)
        #expect(PeerPermissions.refusal(of: Self.publish, from: .operator) != nil)
        #expect(PeerPermissions.refusal(of: Self.report, from: .operator) == nil)
        #expect(PeerPermissions.refusal(of: Self.report, from: .gateway) != nil)
        #expect(PeerPermissions.refusal(of: CallFrame(CheckHealth().gatewayCall), from: nil)?.message.contains("role unknown") == true)
        #expect(PeerPermissions.refusal(of: CallFrame(Ping().coordinatorCall), from: .gateway)?.message.contains("never answers it") == true)
    }
}
