import Wire
import WireRuntime
import WireTransport

/// Answers the calls the gateway, the shards and operators make of the coordinator, each only its role's family (`PeerPermissions`).
struct CoordinatorService: ConnectionDelegate {
    let supervisor: ShardSupervisor
    let router: ShardRouter
    let registry: JobRegistry
    let dispatcher: JobDispatcher
    let gateways: GatewayHub
    let events: EventLog
    let metrics: CoordinatorMetrics
    let log: Log
    /// Job creations refused by a rate limit, logged a line per org now and then (`RefusalLogGate`).
    let refusals: RefusalLog

    /// A peer whose `hello` names another pid than the kernel says it has
    /// (`SO_PEERCRED`) is refused: a process of the same user must not pass
    /// for the shard the supervisor spawned.
    static func checkDeclared(_ hello: Hello, peerPid: Int32) -> Refusal? {
        guard hello.pid != peerPid else { return nil }
        return Refusal(reason: "the connection's process is pid \(peerPid), but its hello says pid \(hello.pid)")
    }

    /// Decides who may connect: any gateway, and each shard as the process spawned for it.
    func admit(_ hello: Hello, connection: Connection) async -> Result<Welcome, Refusal> {
        switch hello.role {
        case .gateway:
            log.info("gateway (pid \(hello.pid)) connected")
            await gateways.add(connection)
            return .success(Welcome(role: .coordinator, shardCount: UInt32(await supervisor.shardCount)))
        case .shard:
            return await supervisor.admit(hello, connection: connection)
        case .operator:
            return .success(Welcome(role: .coordinator, shardCount: UInt32(await supervisor.shardCount)))
        case .coordinator:
            return .failure(Refusal(reason: "a coordinator does not connect to another coordinator"))
        }
    }

    func answer(_ frame: CallFrame, on connection: Connection) async -> Answer {
        metrics.metrics.add(CoordinatorMetrics.requestsInFlight, 1)
        defer { metrics.metrics.add(CoordinatorMetrics.requestsInFlight, -1) }
        let peer = await connection.peer
        if let refusal = PeerPermissions.refusal(of: frame, from: peer?.role) {
            log.warning("refused a request from \(peer.map { "\($0.role) (pid \($0.pid))" } ?? "an unnamed peer"): \(refusal.message)")
            return .failure(refusal)
        }
        do {
            switch frame.conversation {
            case .gatewayToCoordinator: return try await answer(frame.open(as: GatewayCall.self, by: Self.name))
            case .shardToCoordinator: return try await answer(frame.open(as: ShardCall.self, by: Self.name))
            case .operatorToCoordinator: return try await answer(frame.open(as: OperatorCall.self, by: Self.name))
            case .coordinatorToShard:
                // Refused above (`PeerPermissions`: nobody sends the coordinator its own calls); the switch must still name it.
                return .failure(RemoteFailure(.badRequest, "the coordinator does not answer `\(frame.callName)`"))
            }
        } catch let failure as RemoteFailure {
            return .failure(failure)
        } catch {
            return .failure(RemoteFailure(.internal, "coordinator: \(error)"))
        }
    }

    /// Who refusals of a malformed call name.
    private static let name = "the coordinator"

    private func answer(_ call: ShardCall) async throws -> Answer {
        switch call {
        case .publishEvents(let call):
            // Logged (durably) before the answer that lets the shard forget them; the log hands them to the gateways.
            return call.answer(UInt64(try await events.append(call.events).count))
        }
    }

    private func answer(_ call: OperatorCall) async throws -> Answer {
        switch call {
        case .unfinishedJobs(let call):
            return call.answer(await registry.unfinished(limit: call.limit))
        }
    }

    func received(_ notice: Notice, on connection: Connection) async {
        guard let shard = await connection.peer?.shardIndex else { return }
        await supervisor.heard(Int(shard))
        switch notice {
        case .heartbeat, .events: return
        case .sliceProgress(let progress):
            do {
                try await registry.apply(progress)
            } catch {
                log.error("recording progress of job \(progress.jobId) from shard \(shard): \(error)", job: progress.jobId)
            }
        }
    }

    func closed(_ connection: Connection, error: (any Error)?) async {
        guard let peer = await connection.peer else { return }
        switch peer.role {
        case .shard:
            guard let shard = peer.shardIndex else { return }
            await supervisor.disconnected(Int(shard), pid: peer.pid)
        case .gateway:
            await gateways.remove(connection)
            log.info("gateway (pid \(peer.pid)) disconnected\(error.map { ": \($0)" } ?? "")")
        case .coordinator, .operator:
            return
        }
    }
}
