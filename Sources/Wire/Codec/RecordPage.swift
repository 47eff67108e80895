/// `POST /api/contacts/query`: a page of the records a filter matches, in id order, after a cursor.
package struct RecordQuery: WireCodable {
    package var org: String
    package var filter: ContactFilter
    /// The id of the last record of the page before; nil: from the first.
    package var after: String?
    /// Records a page holds at most.
    package var limit: UInt32

    package init(org: String, filter: ContactFilter, after: String?, limit: UInt32) {
        self.org = org
        self.filter = filter
        self.after = after
        self.limit = limit
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(org)
        writer.write(filter)
        writer.write(optional: after) { $0.write($1) }
        writer.write(limit)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        org = try reader.readString("recordQuery.org")
        filter = try reader.read()
        after = try reader.readOptional("recordQuery.after") { reader throws(WireError) in try reader.readString("recordQuery.after") }
        limit = try reader.readUInt32("recordQuery.limit")
    }
}

/// Matching records in id order (each without its conversations), and whether more follow the last.
///
/// A shard's page says `more` when it holds matches past its last record: it was asked for one
/// more than the page's limit and had it, or it stopped at the byte budget.
package struct RecordPage: WireCodable {
    /// Record bytes (`ImportRecord.encodedSize`) a page holds at most, past its first record: a
    /// page of contacts with long names is cut short, far inside a frame, never refused.
    package static let byteBudget = 4 << 20

    package var records: [ImportRecord]
    package var more: Bool

    package init(records: [ImportRecord], more: Bool) {
        self.records = records
        self.more = more
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(array: records)
        writer.write(more)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        records = try reader.readArray("recordPage.records")
        more = try reader.readBool("recordPage.more")
    }
}

extension ImportRecord {
    /// About how many bytes the record takes in a frame without its conversations: what a page's byte budget counts.
    package var encodedSize: Int {
        64 + id.utf8.count + contactId.utf8.count + (stageId?.utf8.count ?? 0) + (assignedTo?.utf8.count ?? 0) + name.utf8.count
            + email.utf8.count + phone.utf8.count + tags.reduce(0) { $0 + 4 + $1.utf8.count } + (source?.utf8.count ?? 0)
    }
}
