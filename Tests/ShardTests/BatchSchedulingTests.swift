import Testing
@testable import Shard

@Suite struct BatchTurnsTests {
    private func order(_ turns: inout BatchTurns, _ count: Int, ready: (String) -> Bool = { _ in true }) -> [String] {
        (0..<count).compactMap { _ in turns.next(where: ready) }
    }

    @Test func twoJobsOfTwoOrgsAlternate() {
        var turns = BatchTurns()
        turns.add("big", org: "A")
        turns.add("small", org: "B")
        #expect(order(&turns, 6) == ["big", "small", "big", "small", "big", "small"])
    }

    /// Org A's three jobs share A's turns: B's one job gets every other batch, not one in four.
    @Test func orgsTakeTurnsFirstThenTheirJobs() {
        var turns = BatchTurns()
        for job in ["a1", "a2", "a3"] { turns.add(job, org: "A") }
        turns.add("b1", org: "B")
        #expect(order(&turns, 8) == ["a1", "b1", "a2", "b1", "a3", "b1", "a1", "b1"])
    }

    @Test func aJobAddedLaterWaitsBehindThoseWaitingAndARemovedOneLosesItsTurns() {
        var turns = BatchTurns()
        turns.add("a1", org: "A")
        #expect(order(&turns, 2) == ["a1", "a1"])
        turns.add("b1", org: "B")
        turns.add("a1", org: "A")  // added twice: still one turn per round
        #expect(order(&turns, 4) == ["a1", "b1", "a1", "b1"])
        turns.remove("b1")
        #expect(order(&turns, 2) == ["a1", "a1"])
        turns.remove("a1")
        #expect(turns.isEmpty && turns.next() == nil)
    }

    /// A throttled job not yet due gives its turn away; nothing ready, nothing comes.
    @Test func aJobThatIsNotReadyIsPassedOver() {
        var turns = BatchTurns()
        turns.add("slow", org: "A")
        turns.add("fast", org: "B")
        #expect(order(&turns, 3, ready: { $0 != "slow" }) == ["fast", "fast", "fast"])
        #expect(turns.next(where: { _ in false }) == nil)
        #expect(turns.next() == "slow")
    }
}

@Suite struct BatchSizerTests {
    @Test func aBatchTakesWhatFitsTheTargetAtTheMeasuredRate() {
        var sizer = BatchSizer(size: 4_000)
        // 4,000 records in twice the target: 2,000 fit in it.
        sizer.measured(records: 4_000, took: BatchSizer.target * 2)
        #expect(sizer.size == 2_000)
    }

    @Test func growsAtMostTwofoldAndStaysWithinItsBounds() {
        var sizer = BatchSizer(size: 1_000)
        sizer.measured(records: 1_000, took: .milliseconds(1))
        #expect(sizer.size == 2_000)
        for _ in 0..<10 { sizer.measured(records: sizer.size, took: .milliseconds(1)) }
        #expect(sizer.size == BatchSizer.maximum)
        sizer.measured(records: 100, took: BatchSizer.target * 100)
        #expect(sizer.size == BatchSizer.minimum)
    }

    @Test func narrowsByHalvingDownToOneRecord() {
        var sizer = BatchSizer(size: 5)
        var sizes: [Int] = []
        while !sizer.isSingleRecord {
            sizer.narrow()
            sizes.append(sizer.size)
        }
        #expect(sizes == [3, 2, 1])
        sizer.narrow()
        #expect(sizer.size == 1)
    }
}
