import Wire

/// Which requests the coordinator takes from each kind of peer: each request has the one role
/// that sends it, and a request from any other role is refused, not answered. A process of
/// the cluster's user that connects as an `operator` (or a shard) must not read or change a
/// tenant's data through requests only the gateway, which checks tokens, sends.
enum PeerPermissions {
    /// The role that sends `request` to the coordinator; nil for what the coordinator only sends.
    /// Exhaustive on purpose: a new request must be given its sender here to compile.
    static func sender(of request: Request) -> Role? {
        switch request {
        case .clusterHealth, .importRecords, .countMatching, .contact, .stats, .createDeleteJob, .job, .listJobs, .cancelJob,
            .logPage, .events, .rethrottleJob, .queryRecords, .contactGroups, .metrics:
            .gateway
        case .publishEvents:
            .shard
        case .unfinishedJobs:
            .operator
        case .ping, .deleteSlice, .cancelSlice, .rethrottleSlice:
            nil
        }
    }

    /// Why a peer of `role` may not send `request`; nil when it may.
    static func refusal(of request: Request, from role: Role?) -> RemoteFailure? {
        let sender = sender(of: request)
        guard let role, sender == role else {
            let who = sender.map { "only the \($0) sends it" } ?? "the coordinator sends it, never answers it"
            let peer = role.map { "\($0)" } ?? "unknown"
            return RemoteFailure(.badRequest, "a peer of role \(peer) may not send `\(caseName(of: request))` to the coordinator: \(who)")
        }
        return nil
    }
}
