import Foundation
import Testing
import Wire
@testable import Gateway

/// The job document's progress fields: a total still being counted is null,
/// never a smaller number that later grows; a running job is never at 100 %.
@Suite struct JobJSONTests {
    private func document(
        status: JobDocument.Status, slices: [(JobDocument.Status, total: UInt64, processed: UInt64)], rate: Double? = nil, throttle: Double? = nil,
        ignoredKeys: [String] = []
    ) -> [String: Any] {
        let shards = slices.enumerated().map { index, slice in
            var counters = DeleteCounters()
            counters.total = slice.total
            counters.deleted = slice.processed
            return JobDocument.Slice(shard: UInt32(index), status: slice.0, counters: counters, restarts: 0)
        }
        let job = JobDocument(
            jobId: "j1", kind: .delete, org: "o1", status: status, counters: shards.reduce(DeleteCounters()) { $0 + $1.counters }, shards: shards,
            errors: [], filterJSON: "{}", requestedBy: "u1", createdAt: 1, startedAt: 2, updatedAt: 3, finishedAt: status.isFinished ? 4 : nil,
            ratePerSecond: rate)
        var throttled = job
        throttled.requestsPerSecond = throttle
        throttled.ignoredKeys = ignoredKeys
        return (try? JSONSerialization.jsonObject(with: Data(JobJSON.render(throttled).utf8))) as? [String: Any] ?? [:]
    }

    @Test func whileAShardHasNotCountedItsMatchesTheTotalIsNullNotPartial() {
        let json = document(status: .running, slices: [(.running, 10, 10), (.queued, 0, 0)], rate: 100)
        #expect(json["total"] is NSNull)
        #expect(json["percent"] is NSNull)
        #expect(json["etaSeconds"] is NSNull)
        #expect(json["processed"] as? Int == 10)
    }

    @Test func showsItsThrottleAndMinusOneWhenThereIsNone() {
        #expect(document(status: .running, slices: [(.running, 10, 5)], throttle: 250.5)["requestsPerSecond"] as? Double == 250.5)
        #expect(document(status: .running, slices: [(.running, 10, 5)])["requestsPerSecond"] as? Int == -1)
    }

    @Test func listsTheKeysItsRequestIgnoredAndAnEmptyListWhenNone() {
        let listed = document(status: .running, slices: [(.running, 10, 5)], ignoredKeys: ["note", "x\"y"])
        #expect(listed["ignoredKeys"] as? [String] == ["note", "x\"y"])
        #expect(document(status: .running, slices: [(.running, 10, 5)])["ignoredKeys"] as? [String] == [])
    }

    @Test func aRunningJobIsNeverAt100Percent() {
        let json = document(status: .running, slices: [(.completed, 10, 10), (.running, 5, 5)], rate: 100)
        #expect(json["total"] as? Int == 15)
        #expect(json["percent"] as? Double == 99.9)
        #expect(json["etaSeconds"] as? Double == 0)
    }

    @Test func aRunningJobShowsItsShareAndEta() {
        let json = document(status: .running, slices: [(.running, 100, 25)], rate: 25)
        #expect(json["percent"] as? Double == 25)
        #expect(json["etaSeconds"] as? Double == 3)
    }

    /// The cascade counts the applications deleted with their contacts, summed over the shards.
    @Test func theCascadeCountsTheApplicationsDeletedWithTheirContacts() throws {
        var counters = DeleteCounters()
        counters.applications = 3
        counters.auditEntries = 5
        let shards = [0, 1].map { JobDocument.Slice(shard: $0, status: .completed, counters: counters, restarts: 0) }
        let job = JobDocument(
            jobId: "j1", kind: .delete, org: "o1", status: .completed, counters: shards.reduce(DeleteCounters()) { $0 + $1.counters }, shards: shards,
            errors: [], filterJSON: "{}", requestedBy: "u1", createdAt: 1, startedAt: 2, updatedAt: 3, finishedAt: 4, ratePerSecond: nil)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(JobJSON.render(job).utf8)) as? [String: Any])
        let cascade = try #require(json["cascade"] as? [String: Any])
        #expect(cascade["applications"] as? Int == 6)
        #expect(cascade["auditEntries"] as? Int == 10)
    }

    /// A finished job of `kind` with 3 records done on one shard, changed by `change`, as JSON at
    /// `now` (epoch ms; by default the moment it finished).
    private func finished(_ kind: JobKind, at now: Int64 = 4, _ change: (inout JobDocument) -> Void = { _ in }) throws -> [String: Any] {
        var counters = DeleteCounters()
        counters.total = 3
        counters.deleted = 3
        var job = JobDocument(
            jobId: "j1", kind: kind, org: "o1", status: .completed, counters: counters,
            shards: [JobDocument.Slice(shard: 0, status: .completed, counters: counters, restarts: 0)], errors: [], filterJSON: "{}",
            requestedBy: "u1", createdAt: 1, startedAt: 2, updatedAt: 3, finishedAt: 4, ratePerSecond: nil)
        change(&job)
        return try #require(try JSONSerialization.jsonObject(with: Data(JobJSON.render(job, at: now).utf8)) as? [String: Any])
    }

    /// Until when a delete can be restored, as ISO 8601; null once no restore can be asked for.
    @Test func aDeleteShowsUntilWhenItCanBeRestoredAndNullOnceItCannot() throws {
        let restorable = try finished(.delete) { $0.restorableUntil = 1_767_225_600_000 }
        #expect(restorable["permanent"] as? Bool == false)
        #expect(restorable["restorableUntil"] as? String == "2026-01-01T00:00:00.000Z")
        #expect(restorable["restoredBy"] is NSNull)
        #expect(restorable["deleted"] as? Int == 3 && restorable["restored"] == nil && restorable["restores"] == nil)
        let restored = try finished(.delete) {
            $0.restorableUntil = 1_767_225_600_000
            $0.restoredBy = "j2"
        }
        #expect(restored["restorableUntil"] is NSNull && restored["restoredBy"] as? String == "j2")
        let purged = try finished(.delete) {
            $0.restorableUntil = 1_767_225_600_000
            $0.purged = true
        }
        #expect(purged["restorableUntil"] is NSNull)
        let permanent = try finished(.delete) {
            $0.permanent = true
            $0.restorableUntil = 1_767_225_600_000
        }
        #expect(permanent["permanent"] as? Bool == true && permanent["restorableUntil"] is NSNull)
        // Its window over, even while the purge is late (a shard down): a restore would be refused (410).
        let lastMoment = try finished(.delete, at: 1_767_225_600_000 - 1) { $0.restorableUntil = 1_767_225_600_000 }
        #expect(lastMoment["restorableUntil"] as? String == "2026-01-01T00:00:00.000Z")
        let ended = try finished(.delete, at: 1_767_225_600_000) { $0.restorableUntil = 1_767_225_600_000 }
        #expect(ended["restorableUntil"] is NSNull && ended["permanent"] as? Bool == false)
        // Still running: not restorable yet, which null says too.
        #expect(try finished(.delete)["restorableUntil"] is NSNull)
    }

    @Test func aRestoreNamesItsDeleteAndCountsWhatItRestored() throws {
        let json = try finished(.restore) { $0.restores = "j0" }
        #expect(json["type"] as? String == "restore")
        #expect(json["restores"] as? String == "j0")
        #expect(json["restored"] as? Int == 3 && json["deleted"] == nil)
        let shard = try #require((json["shards"] as? [[String: Any]])?.first)
        #expect(shard["restored"] as? Int == 3 && shard["deleted"] == nil)
        // A delete's own fields are not a restore's.
        #expect(json["permanent"] == nil && json["restorableUntil"] == nil && json["restoredBy"] == nil)
    }

    /// A restore is registered without a filter of its own (the registry copies its delete's): a
    /// document without one is still JSON.
    @Test func aJobWithoutAFilterStillRendersAsJSON() throws {
        let json = try finished(.restore) { $0.filterJSON = "" }
        #expect((json["filter"] as? [String: Any])?.isEmpty == true)
    }

    @Test func aFinishedJobIs100PercentWithNoEta() {
        let json = document(status: .completed, slices: [(.completed, 0, 0), (.completed, 3, 3)])
        #expect(json["total"] as? Int == 3)
        #expect(json["percent"] as? Double == 100)
        #expect(json["etaSeconds"] as? Double == 0)
    }
}
