import Testing
import Wire

/// What refusals and log lines say of a call: its case, never the tenant's values inside it.
@Suite struct CaseNameTests {
    @Test func namesEveryCallByItsCaseAlone() {
        var names: Set<String> = []
        for frame in MessageSamples.calls {
            let named = frame.callName
            #expect(named.allSatisfy { $0.isLetter || $0.isNumber }, "\(named)")
            names.insert(named)
        }
        // The samples' values (org "acme", a filter) are in their descriptions, never in their names.
        #expect(names.isSuperset(of: ["createJob", "countMatching", "importRecords", "stats", "ping", "publishEvents", "unfinishedJobs"]))
        #expect(!names.contains { $0.contains("acme") })
    }

    /// A frame names its call from the family's tag table, unread; that name is the case's own.
    @Test func aFramesCallNameIsItsCaseName() {
        for call in MessageSamples.gatewayCalls { #expect(CallFrame(call).callName == Self.caseName(of: call)) }
        for call in MessageSamples.coordinatorCalls { #expect(CallFrame(call).callName == Self.caseName(of: call)) }
        for call in MessageSamples.shardCalls { #expect(CallFrame(call).callName == Self.caseName(of: call)) }
        for call in MessageSamples.operatorCalls { #expect(CallFrame(call).callName == Self.caseName(of: call)) }
    }

    static func caseName(of call: some CallFamily) -> String? { Mirror(reflecting: call).children.first?.label }
}
