@testable import Shard
import TestSupport
import Testing
import Wire

/// A permanent delete keeps nothing personal, not even in its slice's checkpoint row: the search
/// term (a substring of a name, an email or a phone) stays while the slice may run again, and is
/// gone once the slice is final, on every engine.
@Suite struct PermanentSliceFilterTests {
    private typealias Fixture = PartitionContractTests
    private let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("permanent-slice")
    }

    /// A delete of "o1" looking for contact 3's email.
    private static func delete(_ jobId: String, permanent: Bool) -> SliceAssignment {
        var filter = ContactFilter()
        filter.orgWide = true
        filter.search = "e3@x.io"
        return SliceAssignment(
            jobId: jobId, spec: JobSpec(kind: .delete, org: "o1", requester: "boss", filter: filter, permanent: permanent),
            watermark: TestVersions.next())
    }

    /// The search term `jobId`'s checkpoint row keeps.
    private static func storedSearch(_ jobId: String, in partition: OpenPartition) async throws -> String? {
        let ledger = try #require(partition.store as? any SliceLedger)
        return try #require(try await ledger.loadSliceRow(jobId)).slice().assignment.filter.search
    }

    @Test(arguments: Engine.allCases)
    func aFinishedPermanentDeleteKeepsNoSearchTermARunningOneKeepsItToResume(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        try await partition.importAll(org: "o1", (0..<6).map { Fixture.contact($0) })
        let delete = Self.delete("job-p", permanent: true)
        let started = try await partition.store.startSlice(delete)
        #expect(started.counters.total == 1)
        #expect(try await Self.storedSearch("job-p", in: partition) == "e3@x.io")

        let done = try await partition.store.runNextBatch("job-p", limit: 5)
        #expect(done.outcome == .finished && done.counters.deleted == 1)
        #expect(try await Self.storedSearch("job-p", in: partition) == ContactFilter.redactedSearch)
    }

    /// A cancel is final too; a restorable delete keeps its filter (it keeps the records themselves until the purge).
    @Test(arguments: Engine.allCases)
    func aCancelledPermanentDeleteKeepsNoSearchTermARestorableOneKeepsItsFilter(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        try await partition.importAll(org: "o1", (0..<6).map { Fixture.contact($0) })
        _ = try await partition.store.startSlice(Self.delete("job-p", permanent: true))
        _ = try await partition.store.cancelSlice("job-p")
        #expect(try await Self.storedSearch("job-p", in: partition) == ContactFilter.redactedSearch)

        _ = try await partition.store.startSlice(Self.delete("job-k", permanent: false))
        let done = try await partition.store.runNextBatch("job-k", limit: 5)
        #expect(done.outcome == .finished)
        #expect(try await Self.storedSearch("job-k", in: partition) == "e3@x.io")
    }
}
