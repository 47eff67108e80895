/// A validated ContactBulkQueryFilter, as the gateway parsed it from JSON and
/// a shard compiles it to SQL. Dates are Unix epoch milliseconds.
///
/// Windows are half-open: `createdAfter` is inclusive (`>=`) and
/// `createdBefore` exclusive (`<`), so adjacent windows neither overlap nor
/// leave a gap; likewise for `updated…`.
package struct ContactFilter: WireCodable {
    /// Which collection the filter targets.
    package enum Pipeline: UInt8, Sendable {
        case contact = 1
        case application = 2
    }

    /// `ownerFilter`: has an assignee, has none, or is assigned to the caller.
    package enum Owner: UInt8, Sendable {
        case owned = 1
        case unowned = 2
        case mine = 3
    }

    package var pipeline: Pipeline = .contact
    /// True: ignore `stageIds`, whole org. False: `stageIds` is non-empty.
    package var orgWide = false
    package var stageIds: [String] = []
    package var owner: Owner?
    /// The caller's user id (`sub`), which `mine` refers to.
    package var requester = ""
    package var createdAfter: Int64?
    package var createdBefore: Int64?
    package var updatedAfter: Int64?
    package var updatedBefore: Int64?
    /// Any of these tags (empty: no constraint).
    package var tagsAny: [String] = []
    /// All of these tags (empty: no constraint).
    package var tagsAll: [String] = []
    package var source: String?
    /// Assigned to one of these users (nil: no constraint).
    package var assignedTo: [String]?
    /// Case-insensitive substring of name, email or phone.
    package var search: String?

    package init() {}

    /// The same filter with every list sorted and without repeats: two filters
    /// that match the same records because they list the same values in
    /// another order compare equal in this form.
    package var canonical: ContactFilter {
        var filter = self
        filter.stageIds = Array(Set(stageIds)).sorted()
        filter.tagsAny = Array(Set(tagsAny)).sorted()
        filter.tagsAll = Array(Set(tagsAll)).sorted()
        filter.assignedTo = assignedTo.map { Array(Set($0)).sorted() }
        return filter
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(pipeline.rawValue)
        writer.write(orgWide)
        writer.write(array: stageIds) { $0.write($1) }
        writer.write(owner?.rawValue ?? 0)
        writer.write(requester)
        for date in [createdAfter, createdBefore, updatedAfter, updatedBefore] {
            writer.write(optional: date) { $0.write($1) }
        }
        writer.write(array: tagsAny) { $0.write($1) }
        writer.write(array: tagsAll) { $0.write($1) }
        writer.write(optional: source) { $0.write($1) }
        writer.write(optional: assignedTo) { writer, users in writer.write(array: users) { $0.write($1) } }
        writer.write(optional: search) { $0.write($1) }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let rawPipeline = try reader.readUInt8("filter.pipeline")
        guard let pipeline = Pipeline(rawValue: rawPipeline) else {
            throw .invalidValue(field: "filter.pipeline", value: Int64(rawPipeline))
        }
        self.pipeline = pipeline
        orgWide = try reader.readBool("filter.orgWide")
        stageIds = try reader.readArray("filter.stageIds") { reader throws(WireError) in try reader.readString("filter.stageIds") }
        let rawOwner = try reader.readUInt8("filter.owner")
        if rawOwner != 0 {
            guard let owner = Owner(rawValue: rawOwner) else { throw .invalidValue(field: "filter.owner", value: Int64(rawOwner)) }
            self.owner = owner
        }
        requester = try reader.readString("filter.requester")
        let readDate = { (reader: inout WireReader) throws(WireError) -> Int64? in
            try reader.readOptional("filter.date") { reader throws(WireError) in try reader.readInt64("filter.date") }
        }
        createdAfter = try readDate(&reader)
        createdBefore = try readDate(&reader)
        updatedAfter = try readDate(&reader)
        updatedBefore = try readDate(&reader)
        tagsAny = try reader.readArray("filter.tagsAny") { reader throws(WireError) in try reader.readString("filter.tagsAny") }
        tagsAll = try reader.readArray("filter.tagsAll") { reader throws(WireError) in try reader.readString("filter.tagsAll") }
        source = try reader.readOptional("filter.source") { reader throws(WireError) in try reader.readString("filter.source") }
        assignedTo = try reader.readOptional("filter.assignedTo") { reader throws(WireError) in
            try reader.readArray("filter.assignedTo") { reader throws(WireError) in try reader.readString("filter.assignedTo") }
        }
        search = try reader.readOptional("filter.search") { reader throws(WireError) in try reader.readString("filter.search") }
    }
}
