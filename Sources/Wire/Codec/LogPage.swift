/// A page request over an org's audit entries or a user's notifications.
package struct LogQuery: WireCodable {
    package enum Kind: UInt8, Sendable {
        case auditEntries = 1
        case notifications = 2
    }

    package var kind: Kind
    package var org: String
    /// Audit entries: only this type (e.g. CONTACT_DELETE).
    package var type: String?
    /// Audit entries: only this job's.
    package var jobId: String?
    /// Notifications: whose.
    package var userId: String?
    /// Per shard, the last sequence number already returned (0: from the start).
    package var after: [Int64]
    package var limit: UInt32

    package init(kind: Kind, org: String, type: String?, jobId: String?, userId: String?, after: [Int64], limit: UInt32) {
        self.kind = kind
        self.org = org
        self.type = type
        self.jobId = jobId
        self.userId = userId
        self.after = after
        self.limit = limit
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(kind.rawValue)
        writer.write(org)
        writer.write(optional: type) { $0.write($1) }
        writer.write(optional: jobId) { $0.write($1) }
        writer.write(optional: userId) { $0.write($1) }
        writer.write(array: after) { $0.write($1) }
        writer.write(limit)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("logQuery.kind")
        guard let kind = Kind(rawValue: raw) else { throw .invalidValue(field: "logQuery.kind", value: Int64(raw)) }
        self.kind = kind
        org = try reader.readString("logQuery.org")
        type = try reader.readOptional("logQuery.type") { reader throws(WireError) in try reader.readString("logQuery.type") }
        jobId = try reader.readOptional("logQuery.jobId") { reader throws(WireError) in try reader.readString("logQuery.jobId") }
        userId = try reader.readOptional("logQuery.userId") { reader throws(WireError) in try reader.readString("logQuery.userId") }
        after = try reader.readArray("logQuery.after") { reader throws(WireError) in try reader.readInt64("logQuery.after") }
        limit = try reader.readUInt32("logQuery.limit")
    }
}

/// One audit entry or notification, as a shard stores it.
package struct LogEntry: WireCodable {
    package var shard: UInt32
    package var seq: Int64
    package var type: String
    package var jobId: String
    /// The audit entry's actor, or the notification's user.
    package var actor: String
    package var recordId: String
    /// The audit entry's JSON snapshot; empty for a notification.
    package var snapshot: String
    package var createdAt: Int64

    package init(shard: UInt32, seq: Int64, type: String, jobId: String, actor: String, recordId: String, snapshot: String, createdAt: Int64) {
        self.shard = shard
        self.seq = seq
        self.type = type
        self.jobId = jobId
        self.actor = actor
        self.recordId = recordId
        self.snapshot = snapshot
        self.createdAt = createdAt
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(shard)
        writer.write(seq)
        writer.write(type)
        writer.write(jobId)
        writer.write(actor)
        writer.write(recordId)
        writer.write(snapshot)
        writer.write(createdAt)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        shard = try reader.readUInt32("logEntry.shard")
        seq = try reader.readInt64("logEntry.seq")
        type = try reader.readString("logEntry.type")
        jobId = try reader.readString("logEntry.jobId")
        actor = try reader.readString("logEntry.actor")
        recordId = try reader.readString("logEntry.recordId")
        snapshot = try reader.readString("logEntry.snapshot")
        createdAt = try reader.readInt64("logEntry.createdAt")
    }
}

extension LogEntry {
    /// About how many bytes the entry takes in a frame: what a page's byte budget counts.
    package var encodedSize: Int {
        32 + type.utf8.count + jobId.utf8.count + actor.utf8.count + recordId.utf8.count + snapshot.utf8.count
    }
}

/// A page: how many match in all, the entries, and per-shard positions to continue from (nil at the end).
///
/// A shard's page names its own last position in `next` when it stopped at the byte budget
/// with entries left, so that the coordinator knows that shard has more.
package struct LogPage: WireCodable {
    /// Entry bytes (`LogEntry.encodedSize`) a page holds at most, past its first entry: a
    /// page of large audit snapshots is cut short, far inside a frame, never refused.
    package static let byteBudget = 4 << 20

    package var total: UInt64
    package var entries: [LogEntry]
    package var next: [Int64]?

    package init(total: UInt64, entries: [LogEntry], next: [Int64]?) {
        self.total = total
        self.entries = entries
        self.next = next
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(total)
        writer.write(array: entries)
        writer.write(optional: next) { writer, positions in writer.write(array: positions) { $0.write($1) } }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        total = try reader.readUInt64("logPage.total")
        entries = try reader.readArray("logPage.entries")
        next = try reader.readOptional("logPage.next") { reader throws(WireError) in
            try reader.readArray("logPage.next") { reader throws(WireError) in try reader.readInt64("logPage.next") }
        }
    }
}
