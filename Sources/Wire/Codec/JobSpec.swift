/// What a job does to the records it matches. The registry, the dispatcher and a shard's runner
/// carry it without looking inside; only a shard's batch statements and what the API shows
/// differ by kind (README, "Adding a job kind").
package enum JobKind: UInt8, CaseIterable, WireCodable, CustomStringConvertible {
    case delete = 1
    /// Puts back what a restorable delete kept (`JobSpec.restores` names the delete).
    case restore = 2

    /// The job document's `type`.
    package var description: String {
        switch self {
        case .delete: "delete"
        case .restore: "restore"
        }
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(rawValue)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("job.kind")
        guard let kind = JobKind(rawValue: raw) else { throw .unknownTag(type: "job kind", tag: raw) }
        self = kind
    }
}

/// A job as every process hands it on: its kind, which records (the org and the filter), and on
/// whose behalf. Fixed when the job is registered; the request that creates it, the registry's
/// record and every shard's slice carry the same value.
package struct JobSpec: WireCodable {
    package var kind: JobKind
    package var org: String
    /// The user who asked (`sub`): the audit entries' actor.
    package var requester: String
    /// A restore's filter is its delete's (which pipeline it kept), filled in by the registry.
    package var filter: ContactFilter
    /// A delete that keeps nothing: no copy to restore from, audit entries without personal data.
    package var permanent: Bool
    /// A restore's delete: the job whose kept records it puts back; nil for every other kind.
    package var restores: String?

    package init(kind: JobKind, org: String, requester: String, filter: ContactFilter, permanent: Bool = false, restores: String? = nil) {
        self.kind = kind
        self.org = org
        self.requester = requester
        self.filter = filter
        self.permanent = permanent
        self.restores = restores
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(kind)
        writer.write(org)
        writer.write(requester)
        writer.write(filter)
        writer.write(permanent)
        writer.write(optional: restores) { $0.write($1) }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        kind = try reader.read()
        org = try reader.readString("job.org")
        requester = try reader.readString("job.requester")
        filter = try reader.read()
        permanent = try reader.readBool("job.permanent")
        restores = try reader.readOptional("job.restores") { reader throws(WireError) in try reader.readString("job.restores") }
    }
}
