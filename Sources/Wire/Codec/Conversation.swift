/// Who calls whom: each family of calls travels one way, from one role's process to another's.
/// A call frame names its conversation first, so a receiver refuses another family's call unread.
package enum Conversation: UInt8, Sendable, CaseIterable {
    /// `GatewayCall`.
    case gatewayToCoordinator = 1
    /// `CoordinatorCall`.
    case coordinatorToShard = 2
    /// `ShardCall`.
    case shardToCoordinator = 3
    /// `OperatorCall`.
    case operatorToCoordinator = 4

    /// The family whose calls this conversation carries.
    package var family: any CallFamily.Type {
        switch self {
        case .gatewayToCoordinator: GatewayCall.self
        case .coordinatorToShard: CoordinatorCall.self
        case .shardToCoordinator: ShardCall.self
        case .operatorToCoordinator: OperatorCall.self
        }
    }

    /// The role that makes these calls.
    package var caller: Role {
        switch self {
        case .gatewayToCoordinator: .gateway
        case .coordinatorToShard: .coordinator
        case .shardToCoordinator: .shard
        case .operatorToCoordinator: .operator
        }
    }

    /// The role that answers them.
    package var callee: Role {
        switch self {
        case .gatewayToCoordinator, .shardToCoordinator, .operatorToCoordinator: .coordinator
        case .coordinatorToShard: .shard
        }
    }
}
