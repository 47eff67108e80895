import Synchronization
import Wire
@testable import Shard

/// Stands in for the coordinator's cluster-wide clock: every call is above the last.
enum TestVersions {
    private static let last = Atomic<Int64>(0)

    static func next() -> Int64 { last.add(1, ordering: .relaxed).newValue }
}

extension SQLiteShardStore {
    /// Imports as the coordinator does: stamped with a version above every earlier one.
    func importRecords(org: String, _ records: [ImportRecord]) throws -> ImportCounts {
        try importRecords(org: org, records, version: TestVersions.next())
    }
}

extension SliceAssignment {
    /// A slice of a job registered now: everything imported so far is in its snapshot.
    init(jobId: String, org: String, requester: String, filter: ContactFilter) {
        self.init(jobId: jobId, org: org, requester: requester, filter: filter, watermark: TestVersions.next())
    }
}
