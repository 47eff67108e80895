/// A bulk job as `GET /api/contacts/bulk-job/{jobId}` shows it.
package struct JobDocument: WireCodable {
    package enum Status: UInt8, Sendable, CaseIterable, CustomStringConvertible {
        case queued = 1, running, completed, completedWithErrors, failed, cancelling, cancelled

        package var description: String {
            switch self {
            case .queued: "queued"
            case .running: "running"
            case .completed: "completed"
            case .completedWithErrors: "completed_with_errors"
            case .failed: "failed"
            case .cancelling: "cancelling"
            case .cancelled: "cancelled"
            }
        }

        package var isFinished: Bool { [.completed, .completedWithErrors, .failed, .cancelled].contains(self) }
    }

    /// One shard's slice of the job.
    package struct Slice: WireCodable {
        package var shard: UInt32
        package var status: Status
        package var counters: DeleteCounters
        package var restarts: UInt32

        package init(shard: UInt32, status: Status, counters: DeleteCounters, restarts: UInt32) {
            self.shard = shard
            self.status = status
            self.counters = counters
            self.restarts = restarts
        }

        package func encode(to writer: inout WireWriter) {
            writer.write(shard)
            writer.write(status.rawValue)
            writer.write(counters)
            writer.write(restarts)
        }

        package init(from reader: inout WireReader) throws(WireError) {
            try self.init(from: &reader, countersLayout: DeleteCounters.storedLayout)
        }

        /// Reads a slice whose counters are in stored `countersLayout` (a job stored by an older build).
        init(from reader: inout WireReader, countersLayout: UInt8) throws(WireError) {
            shard = try reader.readUInt32("slice.shard")
            status = try JobDocument.readStatus(&reader)
            counters = try DeleteCounters(from: &reader, layout: countersLayout)
            restarts = try reader.readUInt32("slice.restarts")
        }
    }

    package var jobId: String
    /// What the job does: the document's `type`.
    package var kind: JobKind
    package var org: String
    package var status: Status
    package var counters: DeleteCounters
    package var shards: [Slice]
    package var errors: [SliceError]
    package var filterJSON: String
    package var requestedBy: String
    /// Epoch milliseconds; nil until it happened.
    package var createdAt: Int64
    package var startedAt: Int64?
    package var updatedAt: Int64
    package var finishedAt: Int64?
    /// Records per second over the last few seconds; nil until measured.
    package var ratePerSecond: Double?
    /// 1 for a new job, one more with every saved change: of two copies of a
    /// document, the one with the higher revision is the newer.
    package var revision: UInt64 = 1
    /// The job's throttle, records per second across the job; nil: unthrottled.
    package var requestsPerSecond: Double?
    /// The request's top-level keys that were neither the filter's nor a guard's, sorted: shown so a
    /// caller sees what did not narrow the delete.
    package var ignoredKeys: [String] = []
    /// A delete that kept nothing to restore from.
    package var permanent = false
    /// Until when (epoch milliseconds) a restorable delete's records are kept: set when it
    /// finishes, the restore window after `finishedAt`; nil while it runs and for a permanent one.
    package var restorableUntil: Int64?
    /// The restore started for this delete; at most one ever is.
    package var restoredBy: String?
    /// A restore's delete.
    package var restores: String?
    /// The shards were told to purge what this delete kept (its window ended).
    package var purged = false

    /// False while some slice has not yet counted its matches: the sum of the
    /// others would be a total that later grows.
    package var totalKnown: Bool { !shards.contains { $0.status == .queued } }

    package init(
        jobId: String, kind: JobKind, org: String, status: Status, counters: DeleteCounters, shards: [Slice], errors: [SliceError],
        filterJSON: String, requestedBy: String, createdAt: Int64, startedAt: Int64?, updatedAt: Int64, finishedAt: Int64?, ratePerSecond: Double?
    ) {
        self.jobId = jobId
        self.kind = kind
        self.org = org
        self.status = status
        self.counters = counters
        self.shards = shards
        self.errors = errors
        self.filterJSON = filterJSON
        self.requestedBy = requestedBy
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
        self.ratePerSecond = ratePerSecond
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(jobId)
        writer.write(org)
        writer.write(status.rawValue)
        writer.write(counters)
        writer.write(array: shards)
        writer.write(array: errors)
        writer.write(filterJSON)
        writer.write(requestedBy)
        writer.write(createdAt)
        writer.write(optional: startedAt) { $0.write($1) }
        writer.write(updatedAt)
        writer.write(optional: finishedAt) { $0.write($1) }
        writer.write(optional: ratePerSecond) { $0.write($1) }
        writer.write(revision)
        writer.write(optional: requestsPerSecond) { $0.write($1) }
        writer.write(array: ignoredKeys) { $0.write($1) }
        writer.write(kind)
        writer.write(permanent)
        writer.write(optional: restorableUntil) { $0.write($1) }
        writer.write(optional: restoredBy) { $0.write($1) }
        writer.write(optional: restores) { $0.write($1) }
        writer.write(purged)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        try self.init(from: &reader, layout: Self.storedLayout)
    }

    /// Reads the fields of stored `layout`: 1 has no throttle (every job then was unthrottled); 1 and 2
    /// list no ignored keys (jobs then did not list them) and keep their counters in `DeleteCounters`'
    /// layout 1, without `applications`; 1 to 3 have no kind (every job then was a delete); 1 to 4 nothing
    /// of restores (every delete then was permanent: it kept nothing).
    package init(from reader: inout WireReader, layout: UInt8) throws(WireError) {
        let countersLayout: UInt8 = layout >= 3 ? 2 : 1
        jobId = try reader.readString("job.jobId")
        org = try reader.readString("job.org")
        status = try Self.readStatus(&reader)
        counters = try DeleteCounters(from: &reader, layout: countersLayout)
        shards = try reader.readArray("job.shards") { reader throws(WireError) in try Slice(from: &reader, countersLayout: countersLayout) }
        errors = try reader.readArray("job.errors")
        filterJSON = try reader.readString("job.filter")
        requestedBy = try reader.readString("job.requestedBy")
        createdAt = try reader.readInt64("job.createdAt")
        startedAt = try reader.readOptional("job.startedAt") { reader throws(WireError) in try reader.readInt64("job.startedAt") }
        updatedAt = try reader.readInt64("job.updatedAt")
        finishedAt = try reader.readOptional("job.finishedAt") { reader throws(WireError) in try reader.readInt64("job.finishedAt") }
        ratePerSecond = try reader.readOptional("job.rate") { reader throws(WireError) in try reader.readDouble("job.rate") }
        // Documents saved in a job registry before revisions existed end here; they count as the first.
        revision = layout == 1 && reader.remaining == 0 ? 1 : try reader.readUInt64("job.revision")
        if layout >= 2 {
            requestsPerSecond = try reader.readOptional("job.requestsPerSecond") { reader throws(WireError) in
                try reader.readDouble("job.requestsPerSecond")
            }
        }
        if layout >= 3 {
            ignoredKeys = try reader.readArray("job.ignoredKeys") { reader throws(WireError) in try reader.readString("job.ignoredKeys") }
        }
        kind = layout >= 4 ? try reader.read() : .delete
        if layout >= 5 {
            permanent = try reader.readBool("job.permanent")
            restorableUntil = try reader.readOptional("job.restorableUntil") { reader throws(WireError) in try reader.readInt64("job.restorableUntil") }
            restoredBy = try reader.readOptional("job.restoredBy") { reader throws(WireError) in try reader.readString("job.restoredBy") }
            restores = try reader.readOptional("job.restores") { reader throws(WireError) in try reader.readString("job.restores") }
            purged = try reader.readBool("job.purged")
        } else {
            permanent = kind == .delete
        }
    }

    fileprivate static func readStatus(_ reader: inout WireReader) throws(WireError) -> Status {
        let raw = try reader.readUInt8("job.status")
        guard let status = Status(rawValue: raw) else { throw .invalidValue(field: "job.status", value: Int64(raw)) }
        return status
    }
}

extension JobDocument {
    /// A document a job registry kept before stored values had a layout byte: layout 1, bare.
    package init(bareBytes bytes: [UInt8]) throws(WireError) {
        var reader = WireReader(bytes)
        try self.init(from: &reader, layout: 1)
        try reader.expectEnd()
    }
}
