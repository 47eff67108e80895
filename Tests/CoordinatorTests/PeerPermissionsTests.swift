import Testing
import Wire
@testable import Coordinator

/// Each peer role may send the coordinator only the requests that role sends.
@Suite struct PeerPermissionsTests {
    static let gatewayRequests: [Request] = [
        .clusterHealth, .stats(org: "o"), .listJobs(JobListQuery(org: "o", limit: 5)), .job(org: "o", jobId: "j"),
        .cancelJob(org: "o", jobId: "j", by: "u"), .countMatching(org: "o", filter: ContactFilter()), .metrics,
        .events(org: "o", after: nil, limit: 1), .contact(org: "o", id: "c"), .contactGroups(org: "o", by: .owner),
    ]

    @Test func theGatewaySendsTheTenantRequestsAShardPublishesEventsAnOperatorReportsJobs() {
        for request in Self.gatewayRequests { #expect(PeerPermissions.sender(of: request) == .gateway, "\(request)") }
        #expect(PeerPermissions.sender(of: .publishEvents([])) == .shard)
        #expect(PeerPermissions.sender(of: .unfinishedJobs(limit: 1)) == .operator)
        for request in [Request.ping, .cancelSlice(jobId: "j"), .rethrottleSlice(jobId: "j", recordsPerSecond: nil)] {
            #expect(PeerPermissions.sender(of: request) == nil, "\(request)")
        }
    }

    @Test func aRequestFromAnotherRoleIsRefusedNamingWhoSendsIt() throws {
        for request in Self.gatewayRequests {
            #expect(PeerPermissions.refusal(of: request, from: .gateway) == nil)
            for role in [Role.shard, .operator, .coordinator] {
                #expect(PeerPermissions.refusal(of: request, from: role)?.kind == .badRequest, "\(role) \(request)")
            }
        }
        let refusal = try #require(PeerPermissions.refusal(of: .listJobs(JobListQuery(org: "org-secret", limit: 5)), from: .shard))
        #expect(refusal.message == "a peer of role shard may not send `listJobs` to the coordinator: only the gateway sends it")
        #expect(PeerPermissions.refusal(of: .publishEvents([]), from: .shard) == nil)
        #expect(PeerPermissions.refusal(of: .publishEvents([]), from: .operator) != nil)
        #expect(PeerPermissions.refusal(of: .unfinishedJobs(limit: 1), from: .operator) == nil)
        #expect(PeerPermissions.refusal(of: .unfinishedJobs(limit: 1), from: .gateway) != nil)
        #expect(PeerPermissions.refusal(of: .clusterHealth, from: nil)?.message.contains("role unknown") == true)
        #expect(PeerPermissions.refusal(of: .ping, from: .gateway)?.message.contains("never answers it") == true)
    }
}
