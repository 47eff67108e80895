import StorageDriver
import WireRuntime

extension ShardExit {
    /// The exit that tells the supervisor what `error`, which ended the shard, means.
    init(for error: any Error) {
        switch error {
        case let error as any StorageFailure:
            switch error.fault {
            case .locked: self = .databaseLocked
            case .storage, .connection: self = .storageUnavailable
            case .corrupt: self = .corruptDatabase
            case .record, .other: self = .failure
            }
        case StoreError.foreignDatabase, StoreError.newerSchema: self = .misconfigured
        case is ClusterIdentityError: self = .misconfigured
        case StoreError.partitionLocked: self = .databaseLocked
        case is ProcessOptions.UsageError: self = .misconfigured
        default: self = .failure
        }
    }
}
