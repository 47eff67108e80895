/// What the coordinator asks a shard: its part of a read or an import, its slice of a job, and whether it is alive.
package enum CoordinatorCall: CallFamily {
    case ping(Ping)
    case importRecords(ImportRecords)
    case countMatching(CountMatching)
    case contact(ReadContact)
    case stats(ReadStats)
    case contactGroups(GroupContacts)
    case logPage(LogQuery)
    case queryRecords(RecordQuery)
    case metrics(ReadMetrics)
    case runSlice(SliceAssignment)
    case cancelSlice(CancelSlice)
    case rethrottleSlice(RethrottleSlice)
    case purgeKept(PurgeKept)

    /// A call the coordinator makes of a shard: `ShardRouter` takes only these.
    package protocol Member: Call {
        var coordinatorCall: CoordinatorCall { get }
    }

    package static let conversation = Conversation.coordinatorToShard

    /// Named as the cases are: a tag's name is its call's.
    private enum Tag: UInt8 {
        case ping = 1
        case importRecords = 2
        case countMatching = 3
        case contact = 4
        case stats = 5
        case contactGroups = 6
        case logPage = 7
        case queryRecords = 8
        case metrics = 9
        case runSlice = 10
        case cancelSlice = 11
        case rethrottleSlice = 12
        case purgeKept = 13
    }

    package static func callName(tag: UInt8) -> String? { Tag(rawValue: tag).map { "\($0)" } }

    package func encode(to writer: inout WireWriter) {
        let (tag, call): (Tag, any Call) =
            switch self {
            case .ping(let call): (.ping, call)
            case .importRecords(let call): (.importRecords, call)
            case .countMatching(let call): (.countMatching, call)
            case .contact(let call): (.contact, call)
            case .stats(let call): (.stats, call)
            case .contactGroups(let call): (.contactGroups, call)
            case .logPage(let call): (.logPage, call)
            case .queryRecords(let call): (.queryRecords, call)
            case .metrics(let call): (.metrics, call)
            case .runSlice(let call): (.runSlice, call)
            case .cancelSlice(let call): (.cancelSlice, call)
            case .rethrottleSlice(let call): (.rethrottleSlice, call)
            case .purgeKept(let call): (.purgeKept, call)
            }
        writer.write(tag.rawValue)
        writer.write(call)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("coordinatorCall.tag")
        switch Tag(rawValue: raw) {
        case .ping: self = .ping(try reader.read())
        case .importRecords: self = .importRecords(try reader.read())
        case .countMatching: self = .countMatching(try reader.read())
        case .contact: self = .contact(try reader.read())
        case .stats: self = .stats(try reader.read())
        case .contactGroups: self = .contactGroups(try reader.read())
        case .logPage: self = .logPage(try reader.read())
        case .queryRecords: self = .queryRecords(try reader.read())
        case .metrics: self = .metrics(try reader.read())
        case .runSlice: self = .runSlice(try reader.read())
        case .cancelSlice: self = .cancelSlice(try reader.read())
        case .rethrottleSlice: self = .rethrottleSlice(try reader.read())
        case .purgeKept: self = .purgeKept(try reader.read())
        case nil: throw .unknownTag(type: "coordinatorCall", tag: raw)
        }
    }
}

extension Ping: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .ping(self) } }
extension ImportRecords: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .importRecords(self) } }
extension CountMatching: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .countMatching(self) } }
extension ReadContact: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .contact(self) } }
extension ReadStats: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .stats(self) } }
extension GroupContacts: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .contactGroups(self) } }
extension LogQuery: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .logPage(self) } }
extension RecordQuery: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .queryRecords(self) } }
extension ReadMetrics: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .metrics(self) } }
extension SliceAssignment: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .runSlice(self) } }
extension CancelSlice: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .cancelSlice(self) } }
extension RethrottleSlice: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .rethrottleSlice(self) } }
extension PurgeKept: CoordinatorCall.Member { package var coordinatorCall: CoordinatorCall { .purgeKept(self) } }
