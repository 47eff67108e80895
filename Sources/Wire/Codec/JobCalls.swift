/// The calls about jobs and the cluster that only the coordinator answers.

/// The health of every shard.
package struct CheckHealth: Call {
    package typealias Reply = ClusterHealth

    package init() {}

    package func encode(to writer: inout WireWriter) {}

    package init(from reader: inout WireReader) throws(WireError) {}
}

/// The answer to `createJob`: the job, and whether an earlier request with the same Idempotency-Key started it.
package struct RegisteredJob: WireCodable {
    package var document: JobDocument
    package var replayed: Bool

    package init(_ document: JobDocument, replayed: Bool) {
        self.document = document
        self.replayed = replayed
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(document)
        writer.write(replayed)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        document = try reader.read()
        replayed = try reader.readBool("registered.replayed")
    }
}

/// Register a job of any kind; answered once it is durable.
extension JobRequest: Call {
    package typealias Reply = RegisteredJob
}

/// A page of the org's jobs, newest first.
extension JobListQuery: Call {
    package typealias Reply = JobList
}

/// One job of the caller's org; nil: no such job in that org.
package struct ReadJob: Call {
    package typealias Reply = JobDocument?
    package var org: String
    package var jobId: String

    package init(org: String, jobId: String) {
        self.org = org
        self.jobId = jobId
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(org)
        writer.write(jobId)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        org = try reader.readString("job.org")
        jobId = try reader.readString("job.jobId")
    }
}

/// Stop a job at every shard's next batch boundary; `by`: the user id of the token that asked,
/// for the log's account of who stopped it. Answered with the job (nil: no such job in that org).
package struct CancelJob: Call {
    package typealias Reply = JobDocument?
    package var org: String
    package var jobId: String
    package var by: String

    package init(org: String, jobId: String, by: String) {
        self.org = org
        self.jobId = jobId
        self.by = by
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(org)
        writer.write(jobId)
        writer.write(by)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        org = try reader.readString("cancelJob.org")
        jobId = try reader.readString("cancelJob.jobId")
        by = try reader.readString("cancelJob.by")
    }
}

/// A job's new throttle, records per second across the job (nil: none); `by`: the user id of
/// the token that asked, for the log. Answered with the job (nil: no such job in that org).
package struct RethrottleJob: Call {
    package typealias Reply = JobDocument?
    package var org: String
    package var jobId: String
    package var requestsPerSecond: Double?
    package var by: String

    package init(org: String, jobId: String, requestsPerSecond: Double?, by: String) {
        self.org = org
        self.jobId = jobId
        self.requestsPerSecond = requestsPerSecond
        self.by = by
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(org)
        writer.write(jobId)
        writer.write(optional: requestsPerSecond) { $0.write($1) }
        writer.write(by)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        org = try reader.readString("rethrottleJob.org")
        jobId = try reader.readString("rethrottleJob.jobId")
        requestsPerSecond = try reader.readOptional("rethrottleJob.rate") { reader throws(WireError) in
            try reader.readDouble("rethrottleJob.rate")
        }
        by = try reader.readString("rethrottleJob.by")
    }
}

/// The org's logged events after `after` (nil: from the oldest kept), at most `limit`.
package struct ReadEvents: Call {
    package typealias Reply = EventPage
    package var org: String
    package var after: UInt64?
    package var limit: UInt32

    package init(org: String, after: UInt64?, limit: UInt32) {
        self.org = org
        self.after = after
        self.limit = limit
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(org)
        writer.write(optional: after) { $0.write($1) }
        writer.write(limit)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        org = try reader.readString("events.org")
        after = try reader.readOptional("events.after") { reader throws(WireError) in try reader.readUInt64("events.after") }
        limit = try reader.readUInt32("events.limit")
    }
}

/// The unfinished jobs of every org, newest first, at most `limit`.
package struct ListUnfinishedJobs: Call {
    package typealias Reply = JobList
    package var limit: UInt32

    package init(limit: UInt32) { self.limit = limit }

    package func encode(to writer: inout WireWriter) { writer.write(limit) }

    package init(from reader: inout WireReader) throws(WireError) { limit = try reader.readUInt32("unfinishedJobs.limit") }
}
