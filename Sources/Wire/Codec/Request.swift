/// What one process asks another and expects an answer to.
package enum Request: WireCodable {
    /// Gateway → coordinator: the health of every shard.
    case clusterHealth
    /// Coordinator → shard: are you serving your mailbox?
    case ping
    /// Gateway → coordinator → owning shards: write these records (one transaction per shard).
    /// The coordinator stamps the batch with its cluster-wide `version` (the gateway sends 0).
    case importRecords(org: String, records: ImportBatch, version: Int64)
    /// Gateway → coordinator → every shard: how many records match.
    case countMatching(org: String, filter: ContactFilter)
    /// Gateway → coordinator → owning shard: one contact with its counts.
    case contact(org: String, id: String)
    /// Gateway → coordinator → every shard: the org's row counts.
    case stats(org: String)
    /// Gateway → coordinator: register a bulk-delete job (answered once it is durable).
    case createDeleteJob(JobRequest)
    /// Gateway → coordinator: one job of the caller's org.
    case job(org: String, jobId: String)
    /// Coordinator → shard: delete your slice of a job (answered with the slice's progress so far).
    case deleteSlice(SliceAssignment)
    /// Gateway → coordinator: a page of the org's jobs, newest first.
    case listJobs(JobListQuery)
    /// Gateway → coordinator: stop a job at every shard's next batch boundary; `by`: the user
    /// id of the token that asked, for the log's account of who stopped it.
    case cancelJob(org: String, jobId: String, by: String)
    /// Coordinator → shard: stop your slice of a job at the next batch boundary.
    case cancelSlice(jobId: String)
    /// Gateway → coordinator → every shard: a page of audit entries or notifications.
    case logPage(LogQuery)
    /// Shard → coordinator: events that left the outbox; once answered (they are logged), the shard deletes them.
    case publishEvents([OutboxEvent])
    /// Gateway → coordinator: the org's logged events after `after` (nil: from the oldest kept), at most `limit`.
    case events(org: String, after: UInt64?, limit: UInt32)
    /// Gateway → coordinator: a job's new throttle, records per second across the job (nil: none);
    /// `by`: the user id of the token that asked, for the log.
    case rethrottleJob(org: String, jobId: String, requestsPerSecond: Double?, by: String)
    /// Coordinator → shard: a running slice's new share of its job's throttle, from its next batch.
    case rethrottleSlice(jobId: String, recordsPerSecond: Double?)
    /// Gateway → coordinator → every shard: a page of the records a filter matches, in id order.
    case queryRecords(RecordQuery)
    /// Operator → coordinator: the unfinished jobs of every org, newest first, at most `limit`.
    case unfinishedJobs(limit: UInt32)
    /// Gateway → coordinator → every shard: the org's contacts counted by `by` (see `StatsGroups`).
    case contactGroups(org: String, by: ContactGrouping)
    /// Gateway → coordinator → every shard: each process's metrics now.
    case metrics

    private enum Tag: UInt8 {
        case clusterHealth = 1
        case ping = 2
        case importRecords = 3
        case countMatching = 4
        case contact = 5
        case stats = 6
        case createDeleteJob = 7
        case job = 8
        case deleteSlice = 9
        case listJobs = 10
        case cancelJob = 11
        case cancelSlice = 12
        case logPage = 13
        case publishEvents = 14
        case events = 15
        case rethrottleJob = 16
        case rethrottleSlice = 17
        case queryRecords = 18
        case unfinishedJobs = 19
        case metrics = 20
        case contactGroups = 21
    }

    package func encode(to writer: inout WireWriter) {
        switch self {
        case .clusterHealth:
            writer.write(Tag.clusterHealth.rawValue)
        case .ping:
            writer.write(Tag.ping.rawValue)
        case .importRecords(let org, let records, let version):
            writer.write(Tag.importRecords.rawValue)
            writer.write(org)
            writer.write(records)
            writer.write(version)
        case .countMatching(let org, let filter):
            writer.write(Tag.countMatching.rawValue)
            writer.write(org)
            writer.write(filter)
        case .contact(let org, let id):
            writer.write(Tag.contact.rawValue)
            writer.write(org)
            writer.write(id)
        case .stats(let org):
            writer.write(Tag.stats.rawValue)
            writer.write(org)
        case .createDeleteJob(let request):
            writer.write(Tag.createDeleteJob.rawValue)
            writer.write(request)
        case .job(let org, let jobId):
            writer.write(Tag.job.rawValue)
            writer.write(org)
            writer.write(jobId)
        case .deleteSlice(let assignment):
            writer.write(Tag.deleteSlice.rawValue)
            writer.write(assignment)
        case .listJobs(let query):
            writer.write(Tag.listJobs.rawValue)
            writer.write(query)
        case .cancelJob(let org, let jobId, let by):
            writer.write(Tag.cancelJob.rawValue)
            writer.write(org)
            writer.write(jobId)
            writer.write(by)
        case .cancelSlice(let jobId):
            writer.write(Tag.cancelSlice.rawValue)
            writer.write(jobId)
        case .logPage(let query):
            writer.write(Tag.logPage.rawValue)
            writer.write(query)
        case .publishEvents(let events):
            writer.write(Tag.publishEvents.rawValue)
            writer.write(array: events)
        case .events(let org, let after, let limit):
            writer.write(Tag.events.rawValue)
            writer.write(org)
            writer.write(optional: after) { $0.write($1) }
            writer.write(limit)
        case .rethrottleJob(let org, let jobId, let requestsPerSecond, let by):
            writer.write(Tag.rethrottleJob.rawValue)
            writer.write(org)
            writer.write(jobId)
            writer.write(optional: requestsPerSecond) { $0.write($1) }
            writer.write(by)
        case .rethrottleSlice(let jobId, let recordsPerSecond):
            writer.write(Tag.rethrottleSlice.rawValue)
            writer.write(jobId)
            writer.write(optional: recordsPerSecond) { $0.write($1) }
        case .queryRecords(let query):
            writer.write(Tag.queryRecords.rawValue)
            writer.write(query)
        case .unfinishedJobs(let limit):
            writer.write(Tag.unfinishedJobs.rawValue)
            writer.write(limit)
        case .metrics:
            writer.write(Tag.metrics.rawValue)
        case .contactGroups(let org, let by):
            writer.write(Tag.contactGroups.rawValue)
            writer.write(org)
            writer.write(by.rawValue)
        }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("request.tag")
        switch Tag(rawValue: raw) {
        case .clusterHealth: self = .clusterHealth
        case .ping: self = .ping
        case .importRecords:
            self = .importRecords(
                org: try reader.readString("request.org"), records: try reader.read(), version: try reader.readInt64("request.version"))
        case .countMatching: self = .countMatching(org: try reader.readString("request.org"), filter: try reader.read())
        case .contact: self = .contact(org: try reader.readString("request.org"), id: try reader.readString("request.id"))
        case .stats: self = .stats(org: try reader.readString("request.org"))
        case .createDeleteJob: self = .createDeleteJob(try reader.read())
        case .job: self = .job(org: try reader.readString("request.org"), jobId: try reader.readString("request.jobId"))
        case .deleteSlice: self = .deleteSlice(try reader.read())
        case .listJobs: self = .listJobs(try reader.read())
        case .cancelJob:
            self = .cancelJob(
                org: try reader.readString("request.org"), jobId: try reader.readString("request.jobId"), by: try reader.readString("request.by"))
        case .cancelSlice: self = .cancelSlice(jobId: try reader.readString("request.jobId"))
        case .logPage: self = .logPage(try reader.read())
        case .publishEvents: self = .publishEvents(try reader.readArray("request.events"))
        case .events:
            self = .events(
                org: try reader.readString("request.org"),
                after: try reader.readOptional("request.after") { reader throws(WireError) in try reader.readUInt64("request.after") },
                limit: try reader.readUInt32("request.limit"))
        case .rethrottleJob:
            self = .rethrottleJob(
                org: try reader.readString("request.org"), jobId: try reader.readString("request.jobId"),
                requestsPerSecond: try reader.readOptional("request.rate") { reader throws(WireError) in try reader.readDouble("request.rate") },
                by: try reader.readString("request.by"))
        case .rethrottleSlice:
            self = .rethrottleSlice(
                jobId: try reader.readString("request.jobId"),
                recordsPerSecond: try reader.readOptional("request.rate") { reader throws(WireError) in try reader.readDouble("request.rate") })
        case .queryRecords: self = .queryRecords(try reader.read())
        case .unfinishedJobs: self = .unfinishedJobs(limit: try reader.readUInt32("request.limit"))
        case .metrics: self = .metrics
        case .contactGroups:
            let org = try reader.readString("request.org")
            let raw = try reader.readUInt8("request.by")
            guard let by = ContactGrouping(rawValue: raw) else { throw .invalidValue(field: "request.by", value: Int64(raw)) }
            self = .contactGroups(org: org, by: by)
        case nil: throw .unknownTag(type: "request", tag: raw)
        }
    }
}
