import Synchronization
import TestSupport
import Testing
@testable import WireRuntime

@Suite struct ServiceGroupTests {
    /// What the services did, in order.
    private final class Journal: Sendable {
        private let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// A service that runs until cancelled, then takes a few turns of the pool to stop: were
    /// the next one cancelled meanwhile, its lines would come between these.
    private func looping(_ name: String, _ journal: Journal) -> ServiceGroup.Service {
        ServiceGroup.Service(name) {
            journal.add("started \(name)")
            await ServiceGroup.untilCancelled()
            journal.add("stopping \(name)")
            for _ in 0..<10 { await Task.yield() }
            journal.add("stopped \(name)")
        }
    }

    private let log = Log(process: "service-group-test", minimumLevel: .error)

    private func waitForStarts(_ count: Int, in journal: Journal) async throws {
        try await waitUntil { journal.all.filter { $0.hasPrefix("started") }.count == count }
    }

    @Test func aStopSignalStopsEveryServiceInReverseStartOrderOneAtATime() async throws {
        let journal = Journal()
        let (signals, signal) = AsyncStream.makeStream(of: Int32.self)
        let group = ServiceGroup(["a", "b", "c"].map { looping($0, journal) }, stopSignals: signals, log: log)
        let running = Task { try await group.run() }
        try await waitForStarts(3, in: journal)
        signal.yield(15)
        try await running.value
        #expect(journal.all.dropFirst(3) == ["stopping c", "stopped c", "stopping b", "stopped b", "stopping a", "stopped a"])
    }

    @Test func aServiceThatEndsStopsTheOthersInReverseOrder() async throws {
        let journal = Journal()
        let (signals, _) = AsyncStream.makeStream(of: Int32.self)
        let ending = ServiceGroup.Service("ending") {
            try await waitForStarts(3, in: journal)
            journal.add("ended")
        }
        let group = ServiceGroup(["a", "b"].map { looping($0, journal) } + [ending, looping("c", journal)], stopSignals: signals, log: log)
        try await group.run()
        #expect(journal.all.drop { $0 != "ended" } == ["ended", "stopping c", "stopped c", "stopping b", "stopped b", "stopping a", "stopped a"])
    }

    private struct Broke: Error {}

    @Test func aServicesErrorIsThrownAfterTheOthersHaveStopped() async throws {
        let journal = Journal()
        let failing = ServiceGroup.Service("failing") {
            try await waitForStarts(2, in: journal)
            throw Broke()
        }
        let group = ServiceGroup([looping("a", journal), failing, looping("b", journal)], stopSignals: nil, log: log)
        await #expect(throws: Broke.self) { try await group.run() }
        #expect(journal.all.dropFirst(2) == ["stopping b", "stopped b", "stopping a", "stopped a"])
    }

    @Test func aShutdownStepRunsWhenTheShutdownReachesIt() async throws {
        let journal = Journal()
        let (signals, signal) = AsyncStream.makeStream(of: Int32.self)
        let group = ServiceGroup(
            [ServiceGroup.Service.onShutdown("first") { journal.add("first stops") }, looping("a", journal)], stopSignals: signals, log: log)
        let running = Task { try await group.run() }
        try await waitForStarts(1, in: journal)
        signal.yield(2)
        try await running.value
        #expect(journal.all == ["started a", "stopping a", "stopped a", "first stops"])
    }
}
