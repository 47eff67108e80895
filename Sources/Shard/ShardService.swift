import Wire

/// Answers the coordinator's requests to this shard.
struct ShardService: ConnectionDelegate {
    let index: Int
    let pid: Int32

    func handle(_ request: Request, on connection: Connection) async -> Response {
        switch request {
        case .ping:
            return .pong(ShardStatus(index: UInt32(index), pid: pid))
        case .clusterHealth:
            return .failure(RemoteFailure(.badRequest, "cluster health is the coordinator's to answer, not shard \(index)'s"))
        }
    }

    func received(_ notice: Notice, on connection: Connection) async {}

    func closed(_ connection: Connection, error: (any Error)?) async {}
}
