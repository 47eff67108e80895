/// A page request over an org's jobs, newest first.
package struct JobListQuery: WireCodable, Equatable {
    package var org: String
    package var limit: UInt32
    /// Only jobs in this status.
    package var status: JobDocument.Status?
    /// Only jobs registered before the one with this watermark: where the previous page ended.
    package var before: Int64?

    package init(org: String, limit: UInt32, status: JobDocument.Status? = nil, before: Int64? = nil) {
        self.org = org
        self.limit = limit
        self.status = status
        self.before = before
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(org)
        writer.write(limit)
        writer.write(optional: status) { $0.write($1.rawValue) }
        writer.write(optional: before) { $0.write($1) }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        org = try reader.readString("jobListQuery.org")
        limit = try reader.readUInt32("jobListQuery.limit")
        status = try reader.readOptional("jobListQuery.status") { reader throws(WireError) in
            let raw = try reader.readUInt8("jobListQuery.status")
            guard let status = JobDocument.Status(rawValue: raw) else { throw .invalidValue(field: "jobListQuery.status", value: Int64(raw)) }
            return status
        }
        before = try reader.readOptional("jobListQuery.before") { reader throws(WireError) in try reader.readInt64("jobListQuery.before") }
    }
}

/// A page of jobs, newest first, and the watermark the next page continues before (nil at the end).
package struct JobList: WireCodable {
    package var documents: [JobDocument]
    package var next: Int64?

    /// Stored bytes of documents one page holds at most (past the first), far inside a frame:
    /// a hundred jobs with the largest filters and error lists still list, over several pages.
    package static let byteBudget = 4 << 20

    package init(documents: [JobDocument], next: Int64?) {
        self.documents = documents
        self.next = next
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(array: documents)
        writer.write(optional: next) { $0.write($1) }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        documents = try reader.readArray("jobList.documents")
        next = try reader.readOptional("jobList.next") { reader throws(WireError) in try reader.readInt64("jobList.next") }
    }
}
