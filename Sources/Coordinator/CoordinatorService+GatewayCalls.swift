import Wire

/// The gateway's calls: tenants' reads, imports and jobs, and the cluster's health and metrics.
extension CoordinatorService {
    /// The most events one `events` call gets.
    static let maxEventPage: UInt32 = 5_000

    /// Answers one of the gateway's calls; a tenant's read or import is forwarded to the shards that hold its data.
    func answer(_ call: GatewayCall) async throws -> Answer {
        switch call {
        case .clusterHealth(let call):
            return call.answer(await supervisor.health())
        case .importRecords(let call):
            // Stamped before any shard writes it: a job registered from here on leaves these records alone.
            let version = try await registry.nextVersion()
            let byShard = try call.records.split { router.map.shard(of: $0) }
            let counts = try await router.ask(byShard.mapValues { ImportRecords(org: call.org, records: $0, version: version) })
                .reduce(ImportCounts(), +)
            metrics.imported(counts)
            return call.answer(counts)
        case .countMatching(let call):
            return call.answer(try await count(call))
        case .contact(let call):
            return call.answer(try await router.ask(router.map.shard(of: call.id), call))
        case .stats(let call):
            return call.answer(try await router.askAll(call).reduce(OrgStats(), +))
        case .contactGroups(let call):
            return call.answer(ContactGroupMerger.merge(try await router.askAll(call)))
        case .createJob(let request):
            return request.answer(try await register(request))
        case .job(let call):
            return call.answer(await registry.document(org: call.org, jobId: call.jobId))
        case .listJobs(let query):
            return query.answer(await registry.list(query))
        case .cancelJob(let call):
            let document = try await registry.cancel(org: call.org, jobId: call.jobId)
            if let document {
                log.info(JobRequestLines.cancelled(document, by: call.by), job: call.jobId, org: call.org)
                dispatcher.dispatchSoon()
            }
            return call.answer(document)
        case .rethrottleJob(let call):
            return call.answer(try await rethrottle(call))
        case .logPage(let query):
            let shards = router.map.ranges.count
            guard query.after.count == shards, query.after.allSatisfy({ $0 >= 0 }) else {
                throw RemoteFailure(.badRequest, "The cursor does not belong to this cluster; start again without one.")
            }
            let perShard = (0..<shards).map { shard -> (Int, LogQuery) in
                var perShard = query
                perShard.after = [query.after[shard]]
                perShard.limit = query.limit + 1
                return (shard, perShard)
            }
            let pages = try await router.ask(Dictionary(uniqueKeysWithValues: perShard))
            return query.answer(LogMerger.merge(pages, after: query.after, limit: Int(query.limit)))
        case .metrics(let call):
            return call.answer(await metrics.gather(supervisor: supervisor, registry: registry, router: router))
        case .queryRecords(let query):
            return query.answer(RecordMerger.merge(try await router.askAll(query), limit: Int(query.limit)))
        case .events(let call):
            return call.answer(try await events.events(org: call.org, after: call.after, limit: Int(min(call.limit, Self.maxEventPage))))
        }
    }

    /// Registers `request`'s job, or finds the one an earlier request with its key registered.
    private func register(_ request: JobRequest) async throws -> RegisteredJob {
        // A replay needs no count: the first request passed its guard.
        if let earlier = try await registry.replay(of: request) { return RegisteredJob(earlier, replayed: true) }
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
            return RegisteredJob(earlier, replayed: true)
        case .created(let document):
            dispatcher.dispatchSoon()
            return RegisteredJob(document, replayed: false)
        }
    }

    /// Changes a job's throttle (nil: no such job); shards running it get their new share at once.
    private func rethrottle(_ call: RethrottleJob) async throws -> JobDocument? {
        let (org, jobId) = (call.org, call.jobId)
        let change = try await registry.rethrottle(org: org, jobId: jobId, requestsPerSecond: call.requestsPerSecond)
        guard let (document, previous) = change else { return nil }
        log.info(JobRequestLines.rethrottled(document, from: previous, by: call.by), job: jobId, org: org)
        // Durable first: a shard that misses this (down, or its link dropping) gets the new
        // share with its assignment when it comes back, as every slice's assignment carries it.
        let share = await registry.share(of: call.requestsPerSecond)
        let missed = await router.tellAll(RethrottleSlice(jobId: jobId, recordsPerSecond: share))
        if !missed.isEmpty {
            log.warning(
                "rethrottling job \(jobId) of org \(org): shards \(missed) did not answer; they get it with their assignment", job: jobId,
                org: org)
        }
        return document
    }

    /// Records of `org` matching `filter`, summed over every shard.
    private func count(_ call: CountMatching) async throws -> UInt64 {
        try await router.askAll(call).reduce(0, +)
    }

    /// Throws a conflict unless `expected` records match `request`'s filter now; a refusal is logged at notice.
    private func check(_ expected: UInt64, of request: JobRequest) async throws {
        let matching = try await count(CountMatching(org: request.org, filter: request.filter))
        guard matching == expected else {
            log.notice(JobRequestLines.expectedCountRefused(request, expected: expected, matching: matching), org: request.org)
            throw RemoteFailure.expectedCountMismatch(expected: expected, matching: matching)
        }
    }
}
