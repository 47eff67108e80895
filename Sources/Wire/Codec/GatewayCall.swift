/// What the gateway asks the coordinator: tenants' reads, imports and jobs, and the cluster's health and metrics.
package enum GatewayCall: CallFamily {
    case clusterHealth(CheckHealth)
    case importRecords(ImportRecords)
    case countMatching(CountMatching)
    case contact(ReadContact)
    case stats(ReadStats)
    case contactGroups(GroupContacts)
    case createJob(JobRequest)
    case job(ReadJob)
    case listJobs(JobListQuery)
    case cancelJob(CancelJob)
    case rethrottleJob(RethrottleJob)
    case logPage(LogQuery)
    case queryRecords(RecordQuery)
    case events(ReadEvents)
    case metrics(ReadMetrics)

    /// A call the gateway makes: `CoordinatorClient.send` takes only these.
    package protocol Member: Call {
        var gatewayCall: GatewayCall { get }
    }

    package static let conversation = Conversation.gatewayToCoordinator

    /// Named as the cases are: a tag's name is its call's.
    private enum Tag: UInt8 {
        case clusterHealth = 1
        case importRecords = 2
        case countMatching = 3
        case contact = 4
        case stats = 5
        case contactGroups = 6
        case createJob = 7
        case job = 8
        case listJobs = 9
        case cancelJob = 10
        case rethrottleJob = 11
        case logPage = 12
        case queryRecords = 13
        case events = 14
        case metrics = 15
    }

    package static func callName(tag: UInt8) -> String? { Tag(rawValue: tag).map { "\($0)" } }

    package func encode(to writer: inout WireWriter) {
        let (tag, call): (Tag, any Call) =
            switch self {
            case .clusterHealth(let call): (.clusterHealth, call)
            case .importRecords(let call): (.importRecords, call)
            case .countMatching(let call): (.countMatching, call)
            case .contact(let call): (.contact, call)
            case .stats(let call): (.stats, call)
            case .contactGroups(let call): (.contactGroups, call)
            case .createJob(let call): (.createJob, call)
            case .job(let call): (.job, call)
            case .listJobs(let call): (.listJobs, call)
            case .cancelJob(let call): (.cancelJob, call)
            case .rethrottleJob(let call): (.rethrottleJob, call)
            case .logPage(let call): (.logPage, call)
            case .queryRecords(let call): (.queryRecords, call)
            case .events(let call): (.events, call)
            case .metrics(let call): (.metrics, call)
            }
        writer.write(tag.rawValue)
        writer.write(call)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("gatewayCall.tag")
        switch Tag(rawValue: raw) {
        case .clusterHealth: self = .clusterHealth(try reader.read())
        case .importRecords: self = .importRecords(try reader.read())
        case .countMatching: self = .countMatching(try reader.read())
        case .contact: self = .contact(try reader.read())
        case .stats: self = .stats(try reader.read())
        case .contactGroups: self = .contactGroups(try reader.read())
        case .createJob: self = .createJob(try reader.read())
        case .job: self = .job(try reader.read())
        case .listJobs: self = .listJobs(try reader.read())
        case .cancelJob: self = .cancelJob(try reader.read())
        case .rethrottleJob: self = .rethrottleJob(try reader.read())
        case .logPage: self = .logPage(try reader.read())
        case .queryRecords: self = .queryRecords(try reader.read())
        case .events: self = .events(try reader.read())
        case .metrics: self = .metrics(try reader.read())
        case nil: throw .unknownTag(type: "gatewayCall", tag: raw)
        }
    }
}

extension CheckHealth: GatewayCall.Member { package var gatewayCall: GatewayCall { .clusterHealth(self) } }
extension ImportRecords: GatewayCall.Member { package var gatewayCall: GatewayCall { .importRecords(self) } }
extension CountMatching: GatewayCall.Member { package var gatewayCall: GatewayCall { .countMatching(self) } }
extension ReadContact: GatewayCall.Member { package var gatewayCall: GatewayCall { .contact(self) } }
extension ReadStats: GatewayCall.Member { package var gatewayCall: GatewayCall { .stats(self) } }
extension GroupContacts: GatewayCall.Member { package var gatewayCall: GatewayCall { .contactGroups(self) } }
extension JobRequest: GatewayCall.Member { package var gatewayCall: GatewayCall { .createJob(self) } }
extension ReadJob: GatewayCall.Member { package var gatewayCall: GatewayCall { .job(self) } }
extension JobListQuery: GatewayCall.Member { package var gatewayCall: GatewayCall { .listJobs(self) } }
extension CancelJob: GatewayCall.Member { package var gatewayCall: GatewayCall { .cancelJob(self) } }
extension RethrottleJob: GatewayCall.Member { package var gatewayCall: GatewayCall { .rethrottleJob(self) } }
extension LogQuery: GatewayCall.Member { package var gatewayCall: GatewayCall { .logPage(self) } }
extension RecordQuery: GatewayCall.Member { package var gatewayCall: GatewayCall { .queryRecords(self) } }
extension ReadEvents: GatewayCall.Member { package var gatewayCall: GatewayCall { .events(self) } }
extension ReadMetrics: GatewayCall.Member { package var gatewayCall: GatewayCall { .metrics(self) } }
