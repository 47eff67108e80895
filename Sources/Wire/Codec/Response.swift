/// The answer to a `Request`, matched to it by correlation id.
package enum Response: WireCodable {
    case clusterHealth(ClusterHealth)
    case pong(ShardStatus)
    case imported(ImportCounts)
    case count(UInt64)
    /// nil: no such contact in that org.
    case contact(ContactDetail?)
    case stats(OrgStats)
    case contactGroups(ContactGroups)
    /// A job document; nil: no such job in that org.
    case job(JobDocument?)
    case sliceProgress(SliceProgress)
    case jobs(JobList)
    /// The answer to `createDeleteJob`: the job, and whether an earlier request with the same Idempotency-Key started it.
    case registered(JobDocument, replayed: Bool)
    case events(EventPage)
    case logPage(LogPage)
    case records(RecordPage)
    case metrics([MetricFamily])
    case failure(RemoteFailure)

    private enum Tag: UInt8 {
        case clusterHealth = 1
        case pong = 2
        case imported = 3
        case count = 4
        case contact = 5
        case stats = 6
        case job = 7
        case sliceProgress = 8
        case jobs = 9
        case logPage = 10
        case registered = 11
        case events = 12
        case records = 13
        case metrics = 14
        case contactGroups = 15
        case failure = 255
    }

    package func encode(to writer: inout WireWriter) {
        switch self {
        case .clusterHealth(let health):
            writer.write(Tag.clusterHealth.rawValue)
            writer.write(health)
        case .pong(let status):
            writer.write(Tag.pong.rawValue)
            writer.write(status)
        case .imported(let counts):
            writer.write(Tag.imported.rawValue)
            writer.write(counts)
        case .count(let count):
            writer.write(Tag.count.rawValue)
            writer.write(count)
        case .contact(let detail):
            writer.write(Tag.contact.rawValue)
            writer.write(optional: detail) { $0.write($1) }
        case .stats(let stats):
            writer.write(Tag.stats.rawValue)
            writer.write(stats)
        case .job(let document):
            writer.write(Tag.job.rawValue)
            writer.write(optional: document) { $0.write($1) }
        case .sliceProgress(let progress):
            writer.write(Tag.sliceProgress.rawValue)
            writer.write(progress)
        case .jobs(let list):
            writer.write(Tag.jobs.rawValue)
            writer.write(list)
        case .logPage(let page):
            writer.write(Tag.logPage.rawValue)
            writer.write(page)
        case .records(let page):
            writer.write(Tag.records.rawValue)
            writer.write(page)
        case .metrics(let families):
            writer.write(Tag.metrics.rawValue)
            writer.write(array: families)
        case .registered(let document, let replayed):
            writer.write(Tag.registered.rawValue)
            writer.write(document)
            writer.write(replayed)
        case .events(let page):
            writer.write(Tag.events.rawValue)
            writer.write(page)
        case .contactGroups(let groups):
            writer.write(Tag.contactGroups.rawValue)
            writer.write(groups)
        case .failure(let failure):
            writer.write(Tag.failure.rawValue)
            writer.write(failure)
        }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("response.tag")
        switch Tag(rawValue: raw) {
        case .clusterHealth: self = .clusterHealth(try reader.read())
        case .pong: self = .pong(try reader.read())
        case .imported: self = .imported(try reader.read())
        case .count: self = .count(try reader.readUInt64("response.count"))
        case .contact: self = .contact(try reader.readOptional("response.contact") { reader throws(WireError) in try reader.read() })
        case .stats: self = .stats(try reader.read())
        case .job: self = .job(try reader.readOptional("response.job") { reader throws(WireError) in try reader.read() })
        case .sliceProgress: self = .sliceProgress(try reader.read())
        case .jobs: self = .jobs(try reader.read())
        case .logPage: self = .logPage(try reader.read())
        case .records: self = .records(try reader.read())
        case .metrics: self = .metrics(try reader.readArray("response.metrics"))
        case .registered: self = .registered(try reader.read(), replayed: try reader.readBool("response.replayed"))
        case .events: self = .events(try reader.read())
        case .contactGroups: self = .contactGroups(try reader.read())
        case .failure: self = .failure(try reader.read())
        case nil: throw .unknownTag(type: "response", tag: raw)
        }
    }
}
