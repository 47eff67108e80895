import Wire
import WireRuntime
import WireTransport

/// Answers what the gateway, the shards and operators send the coordinator, each only what its role sends (`PeerPermissions`).
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

    /// The most events one `events` request gets.
    static let maxEventPage: UInt32 = 5_000

    func handle(_ request: Request, on connection: Connection) async -> Response {
        metrics.metrics.add(CoordinatorMetrics.requestsInFlight, 1)
        defer { metrics.metrics.add(CoordinatorMetrics.requestsInFlight, -1) }
        let peer = await connection.peer
        if let refusal = PeerPermissions.refusal(of: request, from: peer?.role) {
            log.warning("refused a request from \(peer.map { "\($0.role) (pid \($0.pid))" } ?? "an unnamed peer"): \(refusal.message)")
            return .failure(refusal)
        }
        do {
            switch request {
            case .clusterHealth:
                return .clusterHealth(await supervisor.health())
            case .importRecords(let org, let records, _):
                // Stamped before any shard writes it: a job registered from here on leaves these records alone.
                let version = try await registry.nextVersion()
                let byShard = try records.split { router.map.shard(of: $0) }
                let answers = try await router.ask(byShard.mapValues { Request.importRecords(org: org, records: $0, version: version) })
                let counts = try answers.reduce(ImportCounts()) { sum, answer in
                    guard case .imported(let counts) = answer else { throw Self.unexpected(answer) }
                    return sum + counts
                }
                metrics.imported(counts)
                return .imported(counts)
            case .countMatching(let org, let filter):
                return .count(try await count(org: org, filter: filter))
            case .contact(_, let id):
                return try await router.ask(router.map.shard(of: id), request)
            case .stats:
                return .stats(try await router.askAll(request).reduce(OrgStats()) { sum, answer in
                    guard case .stats(let stats) = answer else { throw Self.unexpected(answer) }
                    return sum + stats
                })
            case .contactGroups:
                return .contactGroups(ContactGroupMerger.merge(try await router.askAll(request).map { answer in
                    guard case .contactGroups(let groups) = answer else { throw Self.unexpected(answer) }
                    return groups
                }))
            case .createDeleteJob(let request):
                // A replay needs no count: the first request passed its guard.
                if let earlier = try await registry.replay(of: request) { return .registered(earlier, replayed: true) }
                if let expected = request.expectedCount { try await check(expected, of: request) }
                // Durable before the answer, so the gateway's 202 is followed by a poll that finds it. Re-checks
                // the key in the same step: a concurrent retry may have registered the job during the count.
                let registration: JobRegistry.Registration
                do {
                    registration = try await registry.register(request)
                } catch let failure as RemoteFailure where failure.kind == .tooManyRequests {
                    refusals.refused(org: request.org, JobRequestLines.creationRefused(request, reason: failure.message))
                    throw failure
                }
                switch registration {
                case .replayed(let earlier):
                    return .registered(earlier, replayed: true)
                case .created(let document):
                    dispatcher.dispatchSoon()
                    return .registered(document, replayed: false)
                }
            case .job(let org, let jobId):
                return .job(await registry.document(org: org, jobId: jobId))
            case .listJobs(let query):
                return .jobs(await registry.list(query))
            case .cancelJob(let org, let jobId, let by):
                let document = try await registry.cancel(org: org, jobId: jobId)
                if let document {
                    log.info(JobRequestLines.cancelled(document, by: by), job: jobId, org: org)
                    dispatcher.dispatchSoon()
                }
                return .job(document)
            case .rethrottleJob(let org, let jobId, let requestsPerSecond, let by):
                guard let (document, previous) = try await registry.rethrottle(org: org, jobId: jobId, requestsPerSecond: requestsPerSecond) else {
                    return .job(nil)
                }
                log.info(JobRequestLines.rethrottled(document, from: previous, by: by), job: jobId, org: org)
                // Durable first: a shard that misses this (down, or its link dropping) gets the new
                // share with its assignment when it comes back, as every slice's assignment carries it.
                let share = await registry.share(of: requestsPerSecond)
                let missed = await router.tellAll(.rethrottleSlice(jobId: jobId, recordsPerSecond: share))
                if !missed.isEmpty {
                    log.warning(
                        "rethrottling job \(jobId) of org \(org): shards \(missed) did not answer; they get it with their assignment", job: jobId,
                        org: org)
                }
                return .job(document)
            case .logPage(let query):
                let shards = router.map.ranges.count
                guard query.after.count == shards, query.after.allSatisfy({ $0 >= 0 }) else {
                    throw RemoteFailure(.badRequest, "The cursor does not belong to this cluster; start again without one.")
                }
                let requests = (0..<shards).map { shard -> (Int, Request) in
                    var perShard = query
                    perShard.after = [query.after[shard]]
                    perShard.limit = query.limit + 1
                    return (shard, .logPage(perShard))
                }
                let pages = try await router.ask(Dictionary(uniqueKeysWithValues: requests)).map { answer -> LogPage in
                    guard case .logPage(let page) = answer else { throw Self.unexpected(answer) }
                    return page
                }
                return .logPage(LogMerger.merge(pages, after: query.after, limit: Int(query.limit)))
            case .metrics:
                return .metrics(await metrics.gather(supervisor: supervisor, registry: registry, router: router))
            case .unfinishedJobs(let limit):
                return .jobs(await registry.unfinished(limit: limit))
            case .queryRecords(let query):
                let pages = try await router.askAll(.queryRecords(query)).map { answer -> RecordPage in
                    guard case .records(let page) = answer else { throw Self.unexpected(answer) }
                    return page
                }
                return .records(RecordMerger.merge(pages, limit: Int(query.limit)))
            case .publishEvents(let published):
                // Logged (durably) before the answer that lets the shard forget them; the log hands them to the gateways.
                return .count(UInt64(try await events.append(published).count))
            case .events(let org, let after, let limit):
                return .events(try await events.events(org: org, after: after, limit: Int(min(limit, Self.maxEventPage))))
            case .ping, .deleteSlice, .cancelSlice, .rethrottleSlice:
                // Refused above (`PeerPermissions`: nobody sends them here); the switch must still name them.
                return .failure(RemoteFailure(.badRequest, "the coordinator does not answer `\(caseName(of: request))`"))
            }
        } catch let failure as RemoteFailure {
            return .failure(failure)
        } catch {
            return .failure(RemoteFailure(.internal, "coordinator: \(error)"))
        }
    }

    /// Records of `org` matching `filter`, summed over every shard.
    private func count(org: String, filter: ContactFilter) async throws -> UInt64 {
        try await router.askAll(.countMatching(org: org, filter: filter)).reduce(0) { sum, answer in
            guard case .count(let count) = answer else { throw Self.unexpected(answer) }
            return sum + count
        }
    }

    /// Throws a conflict unless `expected` records match `request`'s filter now; a refusal is logged at notice.
    private func check(_ expected: UInt64, of request: DeleteJobRequest) async throws {
        let matching = try await count(org: request.org, filter: request.filter)
        guard matching == expected else {
            log.notice(JobRequestLines.expectedCountRefused(request, expected: expected, matching: matching), org: request.org)
            throw RemoteFailure.expectedCountMismatch(expected: expected, matching: matching)
        }
    }

    private static func unexpected(_ answer: Response) -> RemoteFailure {
        RemoteFailure(.internal, "a shard answered with an unexpected message: `\(caseName(of: answer))`")
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
