/// The calls the gateway makes of the coordinator and the coordinator makes of each owning
/// shard alike: the coordinator forwards them as they came, and merges the replies.

/// Write these records (one transaction per shard). The coordinator stamps the batch with its
/// cluster-wide `version` before the shards see it (the gateway sends 0).
package struct ImportRecords: Call {
    package typealias Reply = ImportCounts
    package var org: String
    package var records: ImportBatch
    package var version: Int64

    package init(org: String, records: ImportBatch, version: Int64) {
        self.org = org
        self.records = records
        self.version = version
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(org)
        writer.write(records)
        writer.write(version)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        org = try reader.readString("importRecords.org")
        records = try reader.read()
        version = try reader.readInt64("importRecords.version")
    }
}

/// How many records of `org` match `filter`.
package struct CountMatching: Call {
    package typealias Reply = UInt64
    package var org: String
    package var filter: ContactFilter

    package init(org: String, filter: ContactFilter) {
        self.org = org
        self.filter = filter
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(org)
        writer.write(filter)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        org = try reader.readString("countMatching.org")
        filter = try reader.read()
    }
}

/// One contact with its counts; nil: no such contact in that org. Only its owning shard is asked.
package struct ReadContact: Call {
    package typealias Reply = ContactDetail?
    package var org: String
    package var id: String

    package init(org: String, id: String) {
        self.org = org
        self.id = id
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(org)
        writer.write(id)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        org = try reader.readString("contact.org")
        id = try reader.readString("contact.id")
    }
}

/// The org's row counts.
package struct ReadStats: Call {
    package typealias Reply = OrgStats
    package var org: String

    package init(org: String) { self.org = org }

    package func encode(to writer: inout WireWriter) { writer.write(org) }

    package init(from reader: inout WireReader) throws(WireError) { org = try reader.readString("stats.org") }
}

/// The org's contacts counted by `by` (see `StatsGroups`).
package struct GroupContacts: Call {
    package typealias Reply = ContactGroups
    package var org: String
    package var by: ContactGrouping

    package init(org: String, by: ContactGrouping) {
        self.org = org
        self.by = by
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(org)
        writer.write(by.rawValue)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        org = try reader.readString("contactGroups.org")
        let raw = try reader.readUInt8("contactGroups.by")
        guard let by = ContactGrouping(rawValue: raw) else { throw .invalidValue(field: "contactGroups.by", value: Int64(raw)) }
        self.by = by
    }
}

/// Each process's metrics now.
package struct ReadMetrics: Call {
    package typealias Reply = [MetricFamily]

    package init() {}

    package func encode(to writer: inout WireWriter) {}

    package init(from reader: inout WireReader) throws(WireError) {}
}

/// A page of audit entries or notifications; the coordinator asks each shard for its own position.
extension LogQuery: Call {
    package typealias Reply = LogPage
}

/// A page of the records a filter matches, in id order.
extension RecordQuery: Call {
    package typealias Reply = RecordPage
}
