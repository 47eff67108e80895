import Wire

/// Answers what the gateway and the shards send the coordinator.
struct CoordinatorService: ConnectionDelegate {
    let supervisor: ShardSupervisor
    let log: Log

    /// Decides who may connect: any gateway, and each shard as the process spawned for it.
    func admit(_ hello: Hello, connection: Connection) async -> Result<Welcome, Refusal> {
        switch hello.role {
        case .gateway:
            log.info("gateway (pid \(hello.pid)) connected")
            return .success(Welcome(role: .coordinator, shardCount: UInt32(await supervisor.shardCount)))
        case .shard:
            return await supervisor.admit(hello, connection: connection)
        case .coordinator:
            return .failure(Refusal(reason: "a coordinator does not connect to another coordinator"))
        }
    }

    func handle(_ request: Request, on connection: Connection) async -> Response {
        switch request {
        case .clusterHealth:
            return .clusterHealth(await supervisor.health())
        case .ping:
            return .failure(RemoteFailure(.badRequest, "the coordinator does not answer shard pings"))
        }
    }

    func received(_ notice: Notice, on connection: Connection) async {
        guard let shard = await connection.peer?.shardIndex else { return }
        switch notice {
        case .heartbeat: await supervisor.heard(Int(shard))
        }
    }

    func closed(_ connection: Connection, error: (any Error)?) async {
        guard let peer = await connection.peer else { return }
        switch peer.role {
        case .shard:
            guard let shard = peer.shardIndex else { return }
            await supervisor.disconnected(Int(shard), pid: peer.pid)
        case .gateway:
            log.info("gateway (pid \(peer.pid)) disconnected\(error.map { ": \($0)" } ?? "")")
        case .coordinator:
            return
        }
    }
}
