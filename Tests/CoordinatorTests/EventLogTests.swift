import Foundation
import Synchronization
import Testing
import Wire
@testable import Coordinator

/// The event log against a real SQLite file and a real PostgreSQL database: ids stable across
/// redelivery and restarts, pages, pruning.
@Suite struct EventLogTests {
    private func published(shard: UInt32, _ seqs: ClosedRange<Int64>, org: String = "o") -> [OutboxEvent] {
        seqs.map { OutboxEvent(shard: shard, seq: $0, org: org, type: "contact_removed", payload: "{\"n\":\($0)}", createdAt: 1) }
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func aRedeliveredEventKeepsItsPlaceAndIdsFollowLogOrder(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let appended = Mutex<[UInt64]>([])
        let log = try location.eventLog { batch in appended.withLock { $0 += batch.map(\.seq) } }
        let first = try await log.append(published(shard: 0, 1...3))
        let other = try await log.append(published(shard: 1, 1...2))
        // Shard 0 did not hear the acknowledgement and sends 2...4 again.
        let again = try await log.append(published(shard: 0, 2...4))
        #expect(first.map(\.seq) == [1, 2, 3])
        #expect(other.map(\.seq) == [4, 5])
        // The new one comes after all before it (an ignored insert may leave a gap; ids only grow).
        let new = try #require(again.last?.seq)
        #expect(Array(again.map(\.seq).prefix(2)) == [2, 3] && new > 5)
        #expect(appended.withLock { $0 } == [1, 2, 3, 4, 5, 2, 3, new])
        let page = try await log.events(org: "o", after: nil, limit: 100)
        #expect(page.events.map(\.seq) == [1, 2, 3, 4, 5, new])
        #expect(page.head == new)
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func pagesAreAnOrgsEventsAfterAnIdAndProgressIsLoggedToo(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let log = try location.eventLog()
        try await log.append(published(shard: 0, 1...5))
        try await log.append(published(shard: 0, 6...7, org: "other"))
        var counters = DeleteCounters()
        counters.deleted = 5
        let document = JobDocument(
            jobId: "j", kind: .delete, org: "o", status: .running, counters: counters, shards: [], errors: [], filterJSON: "{}", requestedBy: "u",
            createdAt: 1, startedAt: 2, updatedAt: 3, finishedAt: nil, ratePerSecond: nil)
        let progress = try await log.append(progressOf: document)
        #expect(progress.seq == 8)
        let page = try await log.events(org: "o", after: 3, limit: 2)
        #expect(page.events.map(\.seq) == [4, 5])
        let rest = try await log.events(org: "o", after: 5, limit: 100)
        #expect(rest.events == [LoggedEvent(seq: 8, org: "o", body: .jobProgress(document))])
        #expect(try await log.events(org: "o", after: nil, limit: 0) == EventPage(events: [], head: 8))
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func idsAreNeverReusedAfterPruningAndARestart(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        do {
            let log = try location.eventLog()
            try await log.append(published(shard: 0, 1...3))
            let later = Int64(Date().timeIntervalSince1970 * 1000) + Int64(EventLog.retention.components.seconds) * 1000 + 1_000
            #expect(try await log.prune(now: later) == 3)
        }
        let reopened = try location.eventLog()
        #expect(try await reopened.append(published(shard: 0, 4...4)).map(\.seq) == [4])
    }

    private func seqs(_ log: EventLog, org: String) async throws -> [UInt64] {
        try await log.events(org: org, after: nil, limit: 100).events.map(\.seq)
    }

    private var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    @Test(arguments: StoreLocation.Engine.allCases)
    func oneOrgsFloodNeverPushesAnotherOrgsEventsOutOfTheReplayWindow(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let log = try location.eventLog(maxEventsPerOrg: 3)
        try await log.append(published(shard: 0, 1...2, org: "small"))
        try await log.append(published(shard: 1, 1...10, org: "big"))
        // Each org keeps its newest 3: the small org's older events stay, however many the big one logged after them.
        #expect(try await log.prune(now: now) == 7)
        #expect(try await seqs(log, org: "small") == [1, 2])
        #expect(try await seqs(log, org: "big") == [10, 11, 12])
        // Later prunes trim the orgs that logged since, by the same bound.
        try await log.append(published(shard: 1, 11...12, org: "big"))
        #expect(try await log.prune(now: now) == 2)
        #expect(try await seqs(log, org: "big") == [12, 13, 14])
        #expect(try await seqs(log, org: "small") == [1, 2])
        #expect(try await log.prune(now: now) == 0)
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func theFirstPruneAfterARestartTrimsEveryOrgLoggedBeforeIt(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        do {
            let log = try location.eventLog(maxEventsPerOrg: 5)
            try await log.append(published(shard: 0, 1...4, org: "a"))
            try await log.append(published(shard: 1, 1...3, org: "b"))
            try await log.append(published(shard: 2, 1...1, org: "c"))
        }
        let reopened = try location.eventLog(maxEventsPerOrg: 2)
        #expect(try await reopened.prune(now: now) == 3)
        #expect(try await seqs(reopened, org: "a") == [3, 4])
        #expect(try await seqs(reopened, org: "b") == [6, 7])
        #expect(try await seqs(reopened, org: "c") == [8])
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func anEventRepeatedWithinOneBatchGetsOneIdAndProgressKeepsItsOrder(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let log = try location.eventLog()
        let seqs = try await log.append(published(shard: 0, 1...2) + published(shard: 0, 2...3)).map(\.seq)
        #expect(Array(seqs.prefix(3)) == [1, 2, 2])
        #expect(seqs[3] > 2)
        let document = JobDocument(
            jobId: "j", kind: .delete, org: "o", status: .running, counters: DeleteCounters(), shards: [], errors: [], filterJSON: "{}",
            requestedBy: "u", createdAt: 1, startedAt: 2, updatedAt: 3, finishedAt: nil, ratePerSecond: nil)
        let first = try await log.append(progressOf: document)
        let second = try await log.append(progressOf: document)
        #expect(first.seq > seqs[3] && second.seq > first.seq)
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func anEventBelowItsShardsHighestLoggedIsStillLoggedWhenItWasNot(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let log = try location.eventLog()
        try await log.append(published(shard: 0, 5...6))
        // 3 and 4 come after 5 and 6 (a page that lost a race); 6 is a redelivery.
        let late = try await log.append(published(shard: 0, 3...4) + published(shard: 0, 6...6))
        #expect(late.map(\.seq) == [3, 4, 2])
        #expect(try await log.events(org: "o", after: nil, limit: 100).events.map(\.seq) == [1, 2, 3, 4])
    }

    /// A restore's shards publish `contact_restored`: logged, paged and streamed as that, not as a removal.
    @Test(arguments: StoreLocation.Engine.allCases)
    func aContactRestoredEventStaysOne(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let log = try location.eventLog()
        let restored = OutboxEvent(shard: 0, seq: 2, org: "o", type: "contact_restored", payload: "{\"r\":1}", createdAt: 1)
        let logged = try await log.append(published(shard: 0, 1...1) + [restored])
        let expected = [
            LoggedEvent(seq: 1, org: "o", body: .contactRemoved(json: "{\"n\":1}")), LoggedEvent(seq: 2, org: "o", body: .contactRestored(json: "{\"r\":1}")),
        ]
        #expect(logged == expected)
        #expect(try await log.events(org: "o", after: nil, limit: 10).events == expected)
    }

    @Test(arguments: StoreLocation.Engine.allCases)
    func payloadsComeBackByteForByte(engine: StoreLocation.Engine) async throws {
        let location = try StoreLocation(engine)
        let log = try location.eventLog()
        let payload = "{\"name\":\"tab\\there, back\\\\slash, new\\nline, \u{00E9}t\u{00E9} \u{1F600}\"}\t\r\n\\N"
        try await log.append([OutboxEvent(shard: 2, seq: 1, org: "o", type: "contact_removed", payload: payload, createdAt: 1)])
        #expect(try await log.events(org: "o", after: nil, limit: 1).events == [LoggedEvent(seq: 1, org: "o", body: .contactRemoved(json: payload))])
    }
}
