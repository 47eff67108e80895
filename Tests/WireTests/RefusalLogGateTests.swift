import Testing
import WireRuntime

/// Rate-limit refusals are logged at most once per org per interval, the next line counting
/// those left out, driven by an injected clock.
@Suite struct RefusalLogGateTests {
    private let start = ContinuousClock.now

    @Test func aRefusalLoopGetsOneLinePerIntervalCountingTheRest() {
        var gate = RefusalLogGate(interval: .seconds(10))
        #expect(gate.admit(org: "org-1", at: start) == 0)
        for tenth in 1...99 { #expect(gate.admit(org: "org-1", at: start + .milliseconds(100 * tenth)) == nil) }
        // The interval has passed: a line again, telling the 99 that were only counted.
        #expect(gate.admit(org: "org-1", at: start + .seconds(10)) == 99)
        #expect(gate.admit(org: "org-1", at: start + .seconds(11)) == nil)
    }

    @Test func eachOrgHasItsOwnInterval() {
        var gate = RefusalLogGate(interval: .seconds(10))
        #expect(gate.admit(org: "org-1", at: start) == 0)
        #expect(gate.admit(org: "org-2", at: start + .seconds(1)) == 0)
        #expect(gate.admit(org: "org-1", at: start + .seconds(2)) == nil)
        #expect(gate.admit(org: "org-2", at: start + .seconds(2)) == nil)
    }

    /// Orgs refused long ago with nothing left to tell are forgotten: the gate's memory is the orgs refused lately.
    @Test func quietOrgsAreForgotten() {
        var gate = RefusalLogGate(interval: .seconds(10))
        for org in 0..<50 { _ = gate.admit(org: "org-\(org)", at: start) }
        _ = gate.admit(org: "org-0", at: start + .seconds(1))  // counted, so remembered until told
        #expect(gate.trackedOrgs == 50)
        _ = gate.admit(org: "late", at: start + .seconds(30))
        #expect(gate.trackedOrgs == 2)
        #expect(gate.admit(org: "org-0", at: start + .seconds(31)) == 1)
    }

    @Test func theLineSaysWhichOrgWhatAndHowManyMore() {
        #expect(RefusalLogGate.line(org: "org-1", refusal: "429 on a read", suppressed: 0) == "refused org org-1: 429 on a read")
        #expect(
            RefusalLogGate.line(org: "org-1", refusal: "429 on a read", suppressed: 41)
                == "refused org org-1: 429 on a read (41 more refused since the last line)")
        #expect(RefusalLogGate.standardInterval == .seconds(10))
    }
}
