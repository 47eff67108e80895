import Wire

/// One of every message the protocol has, with non-trivial field values.
enum MessageSamples {
    static let all: [Message] =
        [
            .hello(Hello(role: .shard, shardIndex: 3, pid: 4242)),
            .hello(Hello(role: .gateway, pid: Int32.max)),
            .hello(Hello(role: .operator, pid: 77)),
            .welcome(Welcome(role: .coordinator, shardCount: 4)),
            .refusal(Refusal(reason: "shard 9 is outside this cluster's 0..<4 — ünïcode ok")),
            .notice(.heartbeat(sequence: 99)),
            .notice(.sliceProgress(progress)),
            .notice(.sliceProgress(SliceProgress(jobId: "j", shard: 1, counters: counters, outcome: .cancelled))),
            .notice(.events([LoggedEvent(seq: 17, org: "acme", body: .contactRemoved(json: event.payload)), progressEvent])),
            .notice(.events([LoggedEvent(seq: 19, org: "acme", body: .contactRestored(json: event.payload))])),
            .request(correlation: UInt64.max, CallFrame(CoordinatorCall.ping(Ping()))),
        ]
        + calls.enumerated().map { .request(correlation: UInt64($0.offset + 1), $0.element) }
        + answers.enumerated().map { .response(correlation: UInt64(1_000 + $0.offset), $0.element) }

    /// Every sample call of every family, as frames carry them.
    static var calls: [CallFrame] {
        gatewayCalls.map(CallFrame.init) + coordinatorCalls.map(CallFrame.init) + shardCalls.map(CallFrame.init)
            + operatorCalls.map(CallFrame.init)
    }

    /// Every call the gateway makes, some twice to cover their optional fields both ways.
    static let gatewayCalls: [GatewayCall] = [
        .clusterHealth(CheckHealth()),
        .importRecords(ImportRecords(org: "acme", records: ImportBatch([record, application]), version: 0)),
        .countMatching(CountMatching(org: "acme", filter: filter)),
        .contact(ReadContact(org: "acme", id: "aaaaaaaaaaaaaaaaaaaaaaa1")),
        .stats(ReadStats(org: "acme")),
        .contactGroups(GroupContacts(org: "acme", by: .stage)),
        .contactGroups(GroupContacts(org: "acme", by: .owner)),
        .createJob(JobRequest(spec: JobSpec(kind: .delete, org: "acme", requester: "u1", filter: filter), filterJSON: #"{"orgWide":true}"#)),
        .createJob(JobRequest(
            spec: JobSpec(kind: .delete, org: "acme", requester: "u1", filter: filter), filterJSON: "{}", expectedCount: 42, idempotencyKey: "key-1", requestsPerSecond: 1_002,
            ignoredKeys: ["note"])),
        .createJob(JobRequest(
            spec: JobSpec(kind: .delete, org: "acme", requester: "u1", filter: filter, permanent: true), filterJSON: #"{"orgWide":true}"#)),
        .createJob(JobRequest(
            spec: JobSpec(kind: .restore, org: "acme", requester: "u1", filter: ContactFilter(), restores: "j"), filterJSON: "", idempotencyKey: "key-2")),
        .job(ReadJob(org: "acme", jobId: "b09c2c61-2f8f-4f02-9c1b-2f23a3a2f9c1")),
        .listJobs(JobListQuery(org: "acme", limit: 20, status: .running, before: 42)),
        .cancelJob(CancelJob(org: "acme", jobId: "j", by: "u1")),
        .rethrottleJob(RethrottleJob(org: "acme", jobId: "j", requestsPerSecond: 1_000, by: "u1")),
        .rethrottleJob(RethrottleJob(org: "acme", jobId: "j", requestsPerSecond: nil, by: "u1")),
        .logPage(LogQuery(kind: .auditEntries, org: "acme", type: "CONTACT_DELETE", jobId: "j", userId: nil, after: [0, 7], limit: 50)),
        .queryRecords(RecordQuery(org: "acme", filter: filter, after: "aaaaaaaaaaaaaaaaaaaaaaa1", limit: 20)),
        .queryRecords(RecordQuery(org: "acme", filter: filter, after: nil, limit: 100)),
        .events(ReadEvents(org: "acme", after: 16, limit: 1_000)),
        .events(ReadEvents(org: "acme", after: nil, limit: 0)),
        .metrics(ReadMetrics()),
    ]

    /// Every call the coordinator makes of a shard.
    static let coordinatorCalls: [CoordinatorCall] = [
        .ping(Ping()),
        .importRecords(ImportRecords(org: "acme", records: ImportBatch([record]), version: 1_764_000_000_000_123)),
        .countMatching(CountMatching(org: "acme", filter: ContactFilter())),
        .contact(ReadContact(org: "acme", id: "aaaaaaaaaaaaaaaaaaaaaaa2")),
        .stats(ReadStats(org: "acme")),
        .contactGroups(GroupContacts(org: "acme", by: .owner)),
        .logPage(LogQuery(kind: .notifications, org: "acme", type: nil, jobId: nil, userId: "u1", after: [7], limit: 51)),
        .queryRecords(RecordQuery(org: "acme", filter: filter, after: nil, limit: 21)),
        .metrics(ReadMetrics()),
        .runSlice(SliceAssignment(
            jobId: "j", org: "acme", requester: "u1", filter: filter, watermark: 1_764_000_000_000_456, recordsPerSecond: 250.5)),
        .runSlice(SliceAssignment(jobId: "r", spec: restoreJob.spec, watermark: 1_764_000_000_000_789)),
        .cancelSlice(CancelSlice(jobId: "j")),
        .rethrottleSlice(RethrottleSlice(jobId: "j", recordsPerSecond: 250)),
        .rethrottleSlice(RethrottleSlice(jobId: "j", recordsPerSecond: nil)),
        .purgeKept(PurgeKept(jobId: "j")),
    ]

    /// Every call a shard makes of the coordinator.
    static let shardCalls: [ShardCall] = [.publishEvents(PublishEvents([event, event]))]

    /// Every call an operator peer makes of the coordinator.
    static let operatorCalls: [OperatorCall] = [.unfinishedJobs(ListUnfinishedJobs(limit: 100))]

    /// A reply of every type a call names (some twice, to cover what is optional or empty).
    static let replies: [any WireCodable] = [
        ClusterHealth(shards: [
            ShardHealth(index: 0, up: true, pid: 100, restarts: 0),
            ShardHealth(index: 1, up: false, pid: 0, restarts: 12),
        ]),
        ClusterHealth(shards: []),
        ShardStatus(index: 2, pid: 31337),
        ImportCounts(contacts: 1, applications: 2, conversations: 3, messages: 4),
        UInt64(123_456_789),
        ContactDetail(contact: record, conversationCount: 2, messageCount: 10) as ContactDetail?,
        nil as ContactDetail?,
        stats,
        ContactGroups(groups: [ContactGroup(key: "user-7", contacts: 12), ContactGroup(key: nil, contacts: 3)], truncated: true),
        ContactGroups(groups: [], truncated: false),
        RegisteredJob(job, replayed: true),
        RegisteredJob(job, replayed: false),
        job as JobDocument?,
        nil as JobDocument?,
        JobList(documents: [job, job], next: 7),
        RegisteredJob(restoreJob.document, replayed: false),
        JobList(documents: [restoredDelete, restoreJob.document, permanentDelete], next: nil),
        LogPage(total: 9, entries: [
            LogEntry(shard: 1, seq: 8, type: "CONTACT_DELETE", jobId: "j", actor: "u1", recordId: "aaaaaaaaaaaaaaaaaaaaaaa1", snapshot: "{}", createdAt: 5)
        ], next: [0, 8]),
        LogPage(total: 0, entries: [], next: nil),
        RecordPage(records: [record, application], more: true),
        RecordPage(records: [], more: false),
        EventPage(events: [progressEvent], head: 99),
        [
            MetricFamily(name: "tether_delete_batch_duration_seconds", kind: .histogram, help: "Batches.", samples: [
                MetricSample(suffix: "_bucket", labels: [MetricLabel("shard", "1"), MetricLabel("le", "+Inf")], value: 3),
                MetricSample(suffix: "_sum", labels: [MetricLabel("shard", "1")], value: 0.25),
            ]),
            MetricFamily(name: "tether_jobs", kind: .gauge, help: "Jobs.", samples: []),
        ],
        progress,
        true,
        false,
    ]

    /// Every reply as an answer carries it, then the failures any call may get instead.
    static var answers: [Answer] {
        replies.map { Answer.reply(encoding: $0) } + [
            .failure(RemoteFailure(.notFound, "no job 1234")),
            .failure(RemoteFailure(.tooManyRequests, "4 running", retryAfterSeconds: 2)),
            .failure(RemoteFailure(.gone, "the restore window of job j ended")),
        ]
    }

    static let progressEvent = LoggedEvent(seq: 18, org: "acme", body: .jobProgress(job))

    static let event = OutboxEvent(
        shard: 2, seq: 17, org: "acme", type: "contact_removed", payload: #"{"contactId":"aaaaaaaaaaaaaaaaaaaaaaa1"}"#, createdAt: 9)

    static var counters: DeleteCounters {
        var counters = DeleteCounters()
        counters.total = 9
        counters.deleted = 6
        counters.skipped = 2
        counters.failed = 1
        counters.conversations = 12
        counters.messages = 60
        counters.auditEntries = 6
        counters.notifications = 4
        counters.events = 6
        counters.applications = 3
        return counters
    }

    static let progress = SliceProgress(
        jobId: "j", shard: 3, counters: counters, outcome: .finished, errors: [SliceError(recordId: "aaaaaaaaaaaaaaaaaaaaaaa1", message: "locked")])

    static let job = {
        var job = throttledJob
        job.ignoredKeys = ["note", "sort"]
        return job
    }()

    /// A restorable delete, finished, restored by `restoreJob`, then purged: every restore field of a delete set.
    static let restoredDelete = {
        var delete = job
        delete.status = .completed
        delete.finishedAt = 4
        delete.restorableUntil = 2_592_000_004
        delete.restoredBy = "r"
        delete.purged = true
        return delete
    }()

    /// A delete that keeps nothing.
    static let permanentDelete = {
        var delete = job
        delete.permanent = true
        return delete
    }()

    /// The restore of `restorableDelete`: its spec (its delete's filter) and its document.
    static let restoreJob = {
        let spec = JobSpec(kind: .restore, org: "acme", requester: "u1", filter: filter, restores: "j")
        var document = JobDocument(
            jobId: "r", kind: .restore, org: "acme", status: .running, counters: counters,
            shards: [JobDocument.Slice(shard: 0, status: .running, counters: counters, restarts: 0)], errors: [],
            filterJSON: #"{"orgWide":true}"#, requestedBy: "u1", createdAt: 5, startedAt: 6, updatedAt: 7, finishedAt: nil, ratePerSecond: 10)
        document.restores = "j"
        return (spec: spec, document: document)
    }()

    /// The job as layout 2 stored it: before jobs listed their ignored keys.
    static let throttledJob = {
        var job = unthrottledJob
        job.requestsPerSecond = 1_500
        return job
    }()

    /// The job as layout 1 stored it: before throttles, every job was unthrottled.
    static let unthrottledJob = JobDocument(
        jobId: "j", kind: .delete, org: "acme", status: .completedWithErrors, counters: counters,
        shards: [JobDocument.Slice(shard: 0, status: .completed, counters: counters, restarts: 2)], errors: progress.errors,
        filterJSON: "{}", requestedBy: "u1", createdAt: 1, startedAt: 2, updatedAt: 3, finishedAt: nil, ratePerSecond: 2_100.5)

    static let record = ImportRecord(
        kind: .contact, id: "aaaaaaaaaaaaaaaaaaaaaaa1", contactId: "aaaaaaaaaaaaaaaaaaaaaaa1", stageId: "s1", assignedTo: "user-7",
        name: "Ada Lovelace", email: "ada@example.com", phone: "+15550100", tags: ["vip", "b2b"], source: "webchat",
        createdAt: 1_767_607_200_000, updatedAt: -5, conversations: [
            ConversationRecord(id: "bbbbbbbbbbbbbbbbbbbbbbb1", channel: "sms", createdAt: 7, messages: [
                MessageRecord(id: "ccccccccccccccccccccccc1", direction: "inbound", body: "hi ✓", createdAt: 8)
            ])
        ])

    static let application = ImportRecord(
        kind: .application, id: "aaaaaaaaaaaaaaaaaaaaaaa2", contactId: "aaaaaaaaaaaaaaaaaaaaaaa1", stageId: nil, assignedTo: nil,
        name: "", email: "", phone: "", tags: [], source: nil, createdAt: 0, updatedAt: 0, conversations: [])

    static var filter: ContactFilter {
        var filter = ContactFilter()
        filter.pipeline = .application
        filter.stageIds = ["s1", "s2"]
        filter.owner = .mine
        filter.requester = "user-7"
        filter.createdAfter = 1
        filter.updatedBefore = -2
        filter.tagsAny = ["a"]
        filter.tagsAll = ["b", "c"]
        filter.source = "webchat"
        filter.assignedTo = []
        filter.search = "ada"
        return filter
    }

    static var stats: OrgStats {
        var stats = OrgStats()
        stats.contacts = 1
        stats.applications = 2
        stats.conversations = 3
        stats.messages = 4
        stats.auditEntries = 5
        stats.notifications = 6
        return stats
    }

    /// Every sample framed back to back, after the preamble: a whole valid stream.
    static var stream: [UInt8] {
        ProtocolVersion.preamble + all.flatMap { Frame.encode($0) }
    }
}
