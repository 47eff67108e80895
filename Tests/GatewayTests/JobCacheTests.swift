import Testing
import Wire
@testable import Gateway

@Suite struct JobCacheTests {
    let start = ContinuousClock.now

    private func document(_ jobId: String = "j1", org: String = "o1", revision: UInt64, status: JobDocument.Status = .running, processed: UInt64 = 0)
        -> JobDocument
    {
        var counters = DeleteCounters()
        counters.total = 100
        counters.deleted = processed
        var document = JobDocument(
            jobId: jobId, kind: .delete, org: org, status: status, counters: counters, shards: [], errors: [], filterJSON: "{}", requestedBy: "u1",
            createdAt: 1, startedAt: nil, updatedAt: 1, finishedAt: nil, ratePerSecond: nil)
        document.revision = revision
        return document
    }

    @Test func servesTheHighestRevisionWhateverOrderCopiesArriveIn() {
        let cache = JobCache()
        cache.store(document(revision: 3, processed: 30), at: start)
        cache.store(document(revision: 2, processed: 20), at: start)
        #expect(cache.lookup("j1", at: start)?.json == JobJSON.render(document(revision: 3, processed: 30)))
        cache.store(document(revision: 4, processed: 40), at: start)
        #expect(cache.lookup("j1", at: start)?.json == JobJSON.render(document(revision: 4, processed: 40)))
        #expect(cache.lookup("j2", at: start) == nil)
    }

    /// A restore changes its finished delete: the copy goes, so the next poll shows `restoredBy`.
    @Test func aForgottenJobIsAskedForAgainAndItsBytesAreFreed() {
        let cache = JobCache(capacityBytes: JobJSON.render(document(revision: 1, status: .completed)).utf8.count)
        cache.store(document("j1", revision: 1, status: .completed), at: start)
        cache.forget("j1")
        #expect(cache.lookup("j1", at: start) == nil)
        // Had its bytes stayed counted, this one would push the cache past its capacity and out.
        cache.store(document("j2", revision: 1, status: .completed), at: start)
        #expect(cache.lookup("j2", at: start) != nil)
        cache.forget("unknown")
    }

    @Test func anUnfinishedJobIsServedOnlyWhileRecentlyConfirmed() {
        let cache = JobCache()
        cache.store(document(revision: 1), at: start)
        #expect(cache.lookup("j1", at: start + JobCache.freshFor) != nil)
        #expect(cache.lookup("j1", at: start + JobCache.freshFor + .milliseconds(1)) == nil)
        // The same revision pushed or fetched again confirms it.
        cache.store(document(revision: 1), at: start + .seconds(5))
        #expect(cache.lookup("j1", at: start + .seconds(5) + .milliseconds(500)) != nil)
    }

    @Test func aFinishedJobIsServedLongerButStillAskedForAgainSoAForgottenJobStopsBeingServed() {
        let cache = JobCache()
        cache.store(document(revision: 9, status: .completed, processed: 100), at: start)
        #expect(cache.lookup("j1", at: start + JobCache.finishedFreshFor)?.org == "o1")
        #expect(cache.lookup("j1", at: start + JobCache.finishedFreshFor + .milliseconds(1)) == nil)
    }

    /// A finished delete's copy shows until when it can be restored: not served from then on, as
    /// the document rendered anew shows null; the same revision again is stored as it renders then.
    @Test func aCopyShowingARestoreWindowIsNotServedOnceTheWindowEnded() {
        let cache = JobCache()
        var delete = document(revision: 2, status: .completed)
        delete.restorableUntil = 1_000
        cache.store(delete, at: start, wallClock: 999)
        #expect(cache.lookup("j1", at: start, wallClock: 999)?.json.contains(#""restorableUntil":"1970"#) == true)
        #expect(cache.lookup("j1", at: start, wallClock: 1_000) == nil)
        cache.store(delete, at: start, wallClock: 1_000)
        #expect(cache.lookup("j1", at: start, wallClock: 1_000)?.json.contains(#""restorableUntil":null"#) == true)
    }

    @Test func theOrgIsKeptSoAnotherOrgsPollCanBeRefused() {
        let cache = JobCache()
        cache.store(document(org: "o2", revision: 1, status: .failed), at: start)
        #expect(cache.lookup("j1", at: start)?.org == "o2")
    }

    @Test func clearingForgetsEverything() {
        let cache = JobCache()
        cache.store(document(revision: 1, status: .completed), at: start)
        cache.clear()
        #expect(cache.lookup("j1", at: start) == nil)
        // And a lower revision is taken again afterwards: nothing newer is known any more.
        cache.store(document(revision: 1, status: .completed), at: start)
        #expect(cache.lookup("j1", at: start) != nil)
    }

    @Test func pastItsCapacityTheLeastRecentlyUsedCopiesGoFirst() {
        let size = JobJSON.render(document("j0", revision: 1, status: .completed)).utf8.count
        let cache = JobCache(capacityBytes: size * 4)
        for index in 0..<4 { cache.store(document("j\(index)", revision: 1, status: .completed), at: start) }
        // j0 is used, so j1 is now the least recently used.
        #expect(cache.lookup("j0", at: start) != nil)
        cache.store(document("j4", revision: 1, status: .completed), at: start)
        // Five copies is over capacity: evicted down to three, oldest use first.
        #expect(cache.lookup("j1", at: start) == nil)
        #expect(cache.lookup("j2", at: start) == nil)
        #expect(cache.lookup("j0", at: start) != nil)
        #expect(cache.lookup("j3", at: start) != nil)
        #expect(cache.lookup("j4", at: start) != nil)
    }
}
