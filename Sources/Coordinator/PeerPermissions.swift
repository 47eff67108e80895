import Wire

/// Which calls the coordinator takes from each kind of peer: each family of calls has the one
/// role that makes it, and a call from any other role is refused, not answered. A process of
/// the cluster's user that connects as an `operator` (or a shard) must not read or change a
/// tenant's data through calls only the gateway, which checks tokens, makes.
enum PeerPermissions {
    /// The conversation a peer of `role` holds with the coordinator; nil for a role that calls it nothing.
    static func conversation(of role: Role) -> Conversation? {
        switch role {
        case .gateway: .gatewayToCoordinator
        case .shard: .shardToCoordinator
        case .operator: .operatorToCoordinator
        case .coordinator: nil
        }
    }

    /// Why a peer of `role` may not make `call`; nil when it may.
    static func refusal(of call: CallFrame, from role: Role?) -> RemoteFailure? {
        guard let role, conversation(of: role) == call.conversation else {
            let caller = call.conversation.caller
            let who = call.conversation.callee == .coordinator ? "only the \(caller) sends it" : "the \(caller) sends it, never answers it"
            let peer = role.map { "\($0)" } ?? "unknown"
            return RemoteFailure(.badRequest, "a peer of role \(peer) may not send `\(call.callName)` to the coordinator: \(who)")
        }
        return nil
    }
}
