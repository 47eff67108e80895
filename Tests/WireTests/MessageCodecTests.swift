import Testing
@testable import Wire

@Suite struct MessageCodecTests {
    @Test(arguments: MessageSamples.all)
    func roundTripsEveryMessageExactly(_ message: Message) throws {
        let frame = Frame.encode(message)
        var reader = WireReader(frame, from: Frame.lengthPrefixSize)
        #expect(try Message(payload: &reader) == message)
        // The length prefix counts exactly the payload.
        var prefix = WireReader(frame)
        #expect(Int(try prefix.readUInt32("length")) == frame.count - Frame.lengthPrefixSize)
    }

    @Test(arguments: MessageSamples.gatewayCalls)
    func roundTripsEveryGatewayCall(_ call: GatewayCall) throws {
        #expect(try Self.reopened(call, by: "the coordinator") == call)
    }

    @Test(arguments: MessageSamples.coordinatorCalls)
    func roundTripsEveryCoordinatorCall(_ call: CoordinatorCall) throws {
        #expect(try Self.reopened(call, by: "shard 0") == call)
    }

    @Test func roundTripsEveryShardAndOperatorCall() throws {
        for call in MessageSamples.shardCalls { #expect(try Self.reopened(call, by: "the coordinator") == call) }
        for call in MessageSamples.operatorCalls { #expect(try Self.reopened(call, by: "the coordinator") == call) }
    }

    /// `call` framed, decoded from the frame's bytes, and opened as its own family.
    static func reopened<Family: CallFamily>(_ call: Family, by receiver: String) throws -> Family {
        guard case .request(_, let frame) = try Message(payload: Array(Frame.encode(.request(correlation: 1, CallFrame(call))).dropFirst(4))) else {
            throw RemoteFailure(.internal, "not a request")
        }
        return try frame.open(as: Family.self, by: receiver)
    }

    @Test func roundTripsEveryReplyAsItsCallsReplyType() throws {
        func reread<Reply: WireCodable>(_ reply: Reply) throws -> Bool {
            guard case .reply(let bytes) = Answer.reply(encoding: reply) else { return false }
            var reader = WireReader(bytes)
            defer { #expect(reader.remaining == 0, "\(reply)") }
            return try Reply(from: &reader) == reply
        }
        for reply in MessageSamples.replies { #expect(try reread(reply), "\(reply)") }
    }

    @Test func aCallOfAnotherFamilyIsRefusedUnreadNamingTheCall() {
        let frame = CallFrame(GatewayCall.createJob(JobRequest(spec: JobSpec(kind: .delete, org: "org-secret", requester: "u", filter: ContactFilter()), filterJSON: "{}")))
        #expect(throws: RemoteFailure(.badRequest, "`createJob` is the gateway's call to the coordinator, not one shard 3 answers")) {
            try frame.open(as: CoordinatorCall.self, by: "shard 3")
        }
        #expect(throws: RemoteFailure.self) { try frame.open(as: OperatorCall.self, by: "the coordinator") }
    }

    @Test func payloadStartsWithVersionThenType() {
        let frame = Frame.encode(.notice(.heartbeat(sequence: 1)))
        #expect(frame[4] == ProtocolVersion.messageVersion)
        #expect(frame[5] == 6)
    }

    static let ping = Message.request(correlation: 1, CallFrame(CoordinatorCall.ping(Ping())))

    @Test func rejectsUnknownMessageVersion() {
        var frame = Frame.encode(Self.ping)
        frame[4] = 99
        var reader = WireReader(frame, from: 4)
        #expect(throws: WireError.unknownVersion(99)) { try Message(payload: &reader) }
    }

    @Test func aJobDocumentSavedBeforeRevisionsReadsAsTheFirstRevision() throws {
        let layout1 = try #require(GoldenBytesTests.bytes(hex: GoldenBytesTests.storedJobLayout1))
        // Layout 1 without its layout byte and its trailing 8-byte revision: what an older registry holds.
        let read = try JobDocument(bareBytes: Array(layout1.dropFirst().dropLast(8)))
        #expect(read.revision == 1)
        #expect(read == GoldenBytesTests.keptNothing(GoldenBytesTests.countedBeforeApplications(MessageSamples.unthrottledJob)))
    }

    /// A kind this build does not know (a newer peer's) is refused, never read as another.
    @Test func aJobKindIsOneTagAndAnUnknownOneIsRefused() throws {
        var writer = WireWriter()
        writer.write(JobKind.delete)
        #expect(writer.bytes == [1])
        var unknown = WireReader([99])
        #expect(throws: WireError.unknownTag(type: "job kind", tag: 99)) { try unknown.read(JobKind.self) }
    }

    /// A contact's event keeps the type its shard published it as; an unknown type is refused,
    /// never taken for a removal.
    @Test func aContactEventIsTheTypeItWasPublishedAsAndAnUnknownOneIsRefused() throws {
        #expect(try LoggedEvent.Body.contact(type: "contact_removed", json: "{}") == .contactRemoved(json: "{}"))
        #expect(try LoggedEvent.Body.contact(type: "contact_restored", json: "{}") == .contactRestored(json: "{}"))
        let refusal = #expect(throws: RemoteFailure.self) { try LoggedEvent.Body.contact(type: "contact_merged", json: "{}") }
        #expect(refusal?.kind == .badRequest && refusal?.message.contains("contact_merged") == true)
    }

    @Test func rejectsUnknownMessageType() {
        var frame = Frame.encode(Self.ping)
        frame[5] = 200
        var reader = WireReader(frame, from: 4)
        #expect(throws: WireError.unknownMessageType(200)) { try Message(payload: &reader) }
    }

    @Test func rejectsUnknownConversation() {
        var frame = Frame.encode(Self.ping)
        // Version, type, correlation: the conversation byte follows.
        frame[4 + 2 + 8] = 77
        var reader = WireReader(frame, from: 4)
        #expect(throws: WireError.unknownTag(type: "call.conversation", tag: 77)) { try Message(payload: &reader) }
    }

    @Test func refusesACallWithAnUnknownTagWhenOpened() {
        var frame = Frame.encode(Self.ping)
        frame[frame.count - 1] = 77
        var reader = WireReader(frame, from: 4)
        guard case .request(_, let call) = try? Message(payload: &reader) else { return #expect(Bool(false), "not a request") }
        #expect(throws: RemoteFailure(.badRequest, "shard 0 could not read a `tag 77` call: coordinatorCall: unknown tag 77")) {
            try call.open(as: CoordinatorCall.self, by: "shard 0")
        }
    }

    @Test func rejectsTrailingBytesAfterTheMessage() {
        var writer = WireWriter()
        Message.notice(.heartbeat(sequence: 5)).encodePayload(to: &writer)
        var reader = WireReader(writer.bytes + [0, 0])
        #expect(throws: WireError.trailingBytes(count: 2)) { try Message(payload: &reader) }
    }

    @Test func rejectsAStringLengthBeyondTheFrame() {
        var writer = WireWriter()
        writer.write(UInt32(1_000_000))
        writer.write(bytes: [0x41])
        var reader = WireReader(writer.bytes)
        #expect(throws: WireError.lengthExceedsRemaining(field: "s", length: 1_000_000, remaining: 5)) { try reader.readString("s") }
    }

    @Test func rejectsAForgedArrayCountWithoutAllocatingIt() {
        var writer = WireWriter()
        writer.write(UInt32.max)
        var reader = WireReader(writer.bytes)
        #expect(throws: WireError.lengthExceedsRemaining(field: "shards", length: Int(UInt32.max), remaining: 0)) {
            _ = try reader.readArray("shards", of: ShardHealth.self)
        }
    }

    @Test func rejectsInvalidUTF8() {
        var writer = WireWriter()
        writer.write(bytes: [0xFF, 0xFE])
        var reader = WireReader(writer.bytes)
        #expect(throws: WireError.invalidUTF8(field: "s")) { try reader.readString("s") }
    }

    @Test func rejectsABoolThatIsNeitherZeroNorOne() {
        var reader = WireReader([2])
        #expect(throws: WireError.invalidValue(field: "b", value: 2)) { try reader.readBool("b") }
    }

    /// A job document whose rate is NaN must not decode (`scripts/fuzz frame` finds one), or the
    /// gateway would print `"ratePerSecond":nan`, which is not JSON.
    @Test(arguments: [Double.nan, .infinity, -.infinity, .signalingNaN])
    func rejectsADoubleThatIsNotFinite(_ value: Double) {
        var writer = WireWriter()
        writer.write(value)
        var reader = WireReader(writer.bytes)
        #expect(throws: WireError.notFinite(field: "rate")) { try reader.readDouble("rate") }
    }

    @Test func rejectsAJobDocumentWhoseRateIsNotANumber() {
        var job = MessageSamples.job
        job.ratePerSecond = .nan
        guard case .reply(let bytes) = ReadJob(org: "acme", jobId: "j").answer(job) else { return #expect(Bool(false), "not a reply") }
        var reader = WireReader(bytes)
        #expect(throws: WireError.notFinite(field: "job.rate")) { try ReadJob.Reply(from: &reader) }
    }
}
