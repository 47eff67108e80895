import Testing
@testable import Coordinator
import Wire

/// What the coordinator logs when a user cancels or rethrottles a job, or a delete is refused by
/// its guard: the org, the job or requester, who asked, and never a filter's values.
@Suite struct JobRequestLinesTests {
    private func document(status: JobDocument.Status = .cancelling, requestsPerSecond: Double? = nil) -> JobDocument {
        var counters = DeleteCounters()
        counters.total = 9
        counters.deleted = 3
        counters.skipped = 1
        var document = JobDocument(
            jobId: "j1", kind: .delete, org: "org-1", status: status, counters: counters, shards: [], errors: [], filterJSON: "{}", requestedBy: "u1",
            createdAt: 0, startedAt: nil, updatedAt: 0, finishedAt: nil, ratePerSecond: nil)
        document.requestsPerSecond = requestsPerSecond
        return document
    }

    @Test func aCancelNamesTheJobItsOrgAndWhoCancelledIt() {
        #expect(JobRequestLines.cancelled(document(), by: "ops-ann") == "job j1 of org org-1 cancelled by ops-ann (now cancelling, 4 processed)")
    }

    @Test func aRethrottleSaysWhoAndFromWhatRateToWhat() {
        #expect(
            JobRequestLines.rethrottled(document(status: .running, requestsPerSecond: 500), from: 2_000, by: "ops-bo")
                == "job j1 of org org-1 rethrottled by ops-bo from 2000/s to 500/s")
        #expect(
            JobRequestLines.rethrottled(document(status: .running), from: 12.5, by: "ops-bo")
                == "job j1 of org org-1 rethrottled by ops-bo from 12.5/s to unthrottled")
    }

    @Test func anExpectedCountRefusalSaysHowManyWereExpectedAndMatchButNoFilterValue() {
        let filter = #"{"stageIds":["stage-secret"],"advancedParams":{"search":"ann@example.com"}}"#
        let request = JobRequest(
            spec: JobSpec(kind: .delete, org: "org-1", requester: "u1", filter: ContactFilter()), filterJSON: filter, expectedCount: 10)
        let line = JobRequestLines.expectedCountRefused(request, expected: 10, matching: 12)
        #expect(line == "refused org org-1: a bulk delete requested by u1 expected 10 records, 12 match now (409); filter {advancedParams: {search}, stageIds: 1 value}")
        #expect(!line.contains("ann@example.com") && !line.contains("stage-secret"))
    }

    @Test func aCreationRefusalCarriesTheRequesterAndTheReason() {
        let request = JobRequest(spec: JobSpec(kind: .delete, org: "org-1", requester: "u1", filter: ContactFilter()), filterJSON: #"{"orgWide":true}"#)
        #expect(JobRequestLines.creationRefused(request, reason: "slow down.") == "429 on a bulk delete requested by u1: slow down.")
    }
}
