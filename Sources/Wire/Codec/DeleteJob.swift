/// Counters of one slice, or of a whole job: absolute values, never deltas,
/// so a repeated progress report changes nothing and counters never go down.
package struct DeleteCounters: WireCodable {
    package var total: UInt64 = 0
    package var deleted: UInt64 = 0
    package var skipped: UInt64 = 0
    package var failed: UInt64 = 0
    package var conversations: UInt64 = 0
    package var messages: UInt64 = 0
    package var auditEntries: UInt64 = 0
    package var notifications: UInt64 = 0
    package var events: UInt64 = 0
    /// Applications deleted with their contacts (a contact job's cascade); each wrote an
    /// `APPLICATION_DELETE` audit entry, counted in `auditEntries` too. A job of the application
    /// pipeline counts the applications it deletes in `deleted`, not here.
    package var applications: UInt64 = 0

    package init() {}

    /// `processed = deleted + skipped + failed`.
    ///
    /// Counters come from other processes and from counts that can be off (a
    /// record re-imported mid-job), so arithmetic on them saturates instead of
    /// trapping: a trap in a shard's batch would be a crash loop.
    package var processed: UInt64 { deleted.saturatingAdd(skipped).saturatingAdd(failed) }

    /// What matched but was not processed yet; 0, never negative, when the count was off.
    package var remaining: UInt64 { total.saturatingSubtract(processed) }

    package static func + (lhs: DeleteCounters, rhs: DeleteCounters) -> DeleteCounters {
        var sum = DeleteCounters()
        sum.total = lhs.total.saturatingAdd(rhs.total)
        sum.deleted = lhs.deleted.saturatingAdd(rhs.deleted)
        sum.skipped = lhs.skipped.saturatingAdd(rhs.skipped)
        sum.failed = lhs.failed.saturatingAdd(rhs.failed)
        sum.conversations = lhs.conversations.saturatingAdd(rhs.conversations)
        sum.messages = lhs.messages.saturatingAdd(rhs.messages)
        sum.auditEntries = lhs.auditEntries.saturatingAdd(rhs.auditEntries)
        sum.notifications = lhs.notifications.saturatingAdd(rhs.notifications)
        sum.events = lhs.events.saturatingAdd(rhs.events)
        sum.applications = lhs.applications.saturatingAdd(rhs.applications)
        return sum
    }

    private var fields: [UInt64] { [total, deleted, skipped, failed, conversations, messages, auditEntries, notifications, events, applications] }

    package func encode(to writer: inout WireWriter) {
        for value in fields { writer.write(value) }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        try self.init(from: &reader, layout: Self.storedLayout)
    }

    /// Reads the fields of stored `layout`: 1 has no `applications` (no delete cascaded to them then).
    package init(from reader: inout WireReader, layout: UInt8) throws(WireError) {
        total = try reader.readUInt64("counters.total")
        deleted = try reader.readUInt64("counters.deleted")
        skipped = try reader.readUInt64("counters.skipped")
        failed = try reader.readUInt64("counters.failed")
        conversations = try reader.readUInt64("counters.conversations")
        messages = try reader.readUInt64("counters.messages")
        auditEntries = try reader.readUInt64("counters.auditEntries")
        notifications = try reader.readUInt64("counters.notifications")
        events = try reader.readUInt64("counters.events")
        if layout >= 2 { applications = try reader.readUInt64("counters.applications") }
    }
}

/// Coordinator → shard: run your slice of a job. Repeating it is harmless:
/// a shard that already has the slice resumes it from its own checkpoint.
///
/// Reads as its spec (`assignment.org`, `assignment.kind`): a slice is its job's spec, the
/// job's snapshot and this shard's share of the throttle.
@dynamicMemberLookup
package struct SliceAssignment: WireCodable {
    package var jobId: String
    package var spec: JobSpec
    /// The job's snapshot, fixed when it was registered: records of a higher
    /// version were imported after it and are left alone.
    package var watermark: Int64
    /// This shard's share of the job's throttle; nil: as fast as it goes.
    package var recordsPerSecond: Double?

    package init(jobId: String, spec: JobSpec, watermark: Int64, recordsPerSecond: Double? = nil) {
        self.jobId = jobId
        self.spec = spec
        self.watermark = watermark
        self.recordsPerSecond = recordsPerSecond
    }

    /// A slice as a shard's slice table keeps it, column by column; `kind` is delete unless told.
    package init(
        jobId: String, kind: JobKind = .delete, org: String, requester: String, filter: ContactFilter, watermark: Int64,
        recordsPerSecond: Double? = nil
    ) {
        self.init(
            jobId: jobId, spec: JobSpec(kind: kind, org: org, requester: requester, filter: filter), watermark: watermark,
            recordsPerSecond: recordsPerSecond)
    }

    package subscript<Value>(dynamicMember keyPath: WritableKeyPath<JobSpec, Value>) -> Value {
        get { spec[keyPath: keyPath] }
        set { spec[keyPath: keyPath] = newValue }
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(jobId)
        writer.write(spec)
        writer.write(watermark)
        writer.write(optional: recordsPerSecond) { $0.write($1) }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        jobId = try reader.readString("assignment.jobId")
        spec = try reader.read()
        watermark = try reader.readInt64("assignment.watermark")
        recordsPerSecond = try reader.readOptional("assignment.recordsPerSecond") { reader throws(WireError) in
            try reader.readDouble("assignment.recordsPerSecond")
        }
    }
}

/// How a slice stands: one value, so it cannot be both finished and failed.
package enum SliceOutcome: WireCodable, Equatable {
    /// Work left; more progress follows.
    case running
    /// Everything that matched was processed (deleted, skipped or failed record by record).
    case finished
    /// Stopped at a batch boundary by a cancel, with work left.
    case cancelled
    /// Could not go on (a storage fault outlasted its retries, a damaged
    /// database, a shard given up on): why, and what to do about it.
    case failed(reason: String)

    private enum Tag: UInt8 {
        case running = 1, finished, cancelled, failed
    }

    /// True once the slice does nothing more.
    package var isFinal: Bool { self != .running }

    package func encode(to writer: inout WireWriter) {
        switch self {
        case .running: writer.write(Tag.running.rawValue)
        case .finished: writer.write(Tag.finished.rawValue)
        case .cancelled: writer.write(Tag.cancelled.rawValue)
        case .failed(let reason):
            writer.write(Tag.failed.rawValue)
            writer.write(reason)
        }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("outcome.tag")
        switch Tag(rawValue: raw) {
        case .running: self = .running
        case .finished: self = .finished
        case .cancelled: self = .cancelled
        case .failed: self = .failed(reason: try reader.readString("outcome.reason"))
        case nil: throw .unknownTag(type: "outcome", tag: raw)
        }
    }
}

/// Shard → coordinator, after every committed batch: where a slice stands.
package struct SliceProgress: WireCodable {
    package var jobId: String
    package var shard: UInt32
    package var counters: DeleteCounters
    package var outcome: SliceOutcome
    /// Records that failed one by one since the last report (record id, reason); counted in `counters.failed`.
    package var errors: [SliceError]

    package init(jobId: String, shard: UInt32, counters: DeleteCounters, outcome: SliceOutcome, errors: [SliceError] = []) {
        self.jobId = jobId
        self.shard = shard
        self.counters = counters
        self.outcome = outcome
        self.errors = errors
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(jobId)
        writer.write(shard)
        writer.write(counters)
        writer.write(outcome)
        writer.write(array: errors)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        jobId = try reader.readString("progress.jobId")
        shard = try reader.readUInt32("progress.shard")
        counters = try reader.read()
        outcome = try reader.read()
        errors = try reader.readArray("progress.errors")
    }
}

/// One record a job could not delete, and why.
package struct SliceError: WireCodable {
    package var recordId: String
    package var message: String

    package init(recordId: String, message: String) {
        self.recordId = recordId
        self.message = message
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(recordId)
        writer.write(message)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        recordId = try reader.readString("sliceError.recordId")
        message = try reader.readString("sliceError.message")
    }
}

/// Gateway → coordinator: register a job. Reads as its spec (`request.org`, `request.kind`).
@dynamicMemberLookup
package struct JobRequest: WireCodable {
    package var spec: JobSpec
    /// The filter as the caller sent it, echoed in the job document.
    package var filterJSON: String
    /// Refuse (conflict) unless exactly this many records match now.
    package var expectedCount: UInt64?
    /// The same key with the same body within 24 h returns the first job.
    package var idempotencyKey: String?
    /// Records per second across the whole job; nil: as fast as the shards go.
    package var requestsPerSecond: Double?
    /// The body's top-level keys that were ignored, sorted; the job document lists them.
    package var ignoredKeys: [String]

    package init(
        spec: JobSpec, filterJSON: String, expectedCount: UInt64? = nil, idempotencyKey: String? = nil, requestsPerSecond: Double? = nil,
        ignoredKeys: [String] = []
    ) {
        self.spec = spec
        self.filterJSON = filterJSON
        self.expectedCount = expectedCount
        self.idempotencyKey = idempotencyKey
        self.requestsPerSecond = requestsPerSecond
        self.ignoredKeys = ignoredKeys
    }

    package subscript<Value>(dynamicMember keyPath: WritableKeyPath<JobSpec, Value>) -> Value {
        get { spec[keyPath: keyPath] }
        set { spec[keyPath: keyPath] = newValue }
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(spec)
        writer.write(filterJSON)
        writer.write(optional: expectedCount) { $0.write($1) }
        writer.write(optional: idempotencyKey) { $0.write($1) }
        writer.write(optional: requestsPerSecond) { $0.write($1) }
        writer.write(array: ignoredKeys) { $0.write($1) }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        spec = try reader.read()
        filterJSON = try reader.readString("jobRequest.filterJSON")
        expectedCount = try reader.readOptional("jobRequest.expectedCount") { reader throws(WireError) in
            try reader.readUInt64("jobRequest.expectedCount")
        }
        idempotencyKey = try reader.readOptional("jobRequest.idempotencyKey") { reader throws(WireError) in
            try reader.readString("jobRequest.idempotencyKey")
        }
        requestsPerSecond = try reader.readOptional("jobRequest.requestsPerSecond") { reader throws(WireError) in
            try reader.readDouble("jobRequest.requestsPerSecond")
        }
        ignoredKeys = try reader.readArray("jobRequest.ignoredKeys") { reader throws(WireError) in try reader.readString("jobRequest.ignoredKeys") }
    }
}
