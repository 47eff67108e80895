import Foundation
import Testing
import Wire
import WireRuntime
@testable import Shard

/// A new, empty directory for one test's database files, removed with whatever holds it
/// (a suite instance lives for one test).
final class ScratchDirectory {
    let path: String

    init(_ prefix: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Contact `number` (id: the number in 24 hex digits) with 2 conversations of 3 messages each.
func sliceContact(_ number: Int, stage: String, assignee: String?) -> ImportRecord {
    let id = String(format: "%024x", number)
    return ImportRecord(
        kind: .contact, id: id, contactId: id, stageId: stage, assignedTo: assignee, name: "N\(number)", email: "e\(number)@x.io",
        phone: "\(number)", tags: [], source: nil, createdAt: 1, updatedAt: 1,
        conversations: (0..<2).map { c in
            ConversationRecord(id: "c\(c)" + id.suffix(22), channel: "sms", createdAt: 1, messages: (0..<3).map { m in
                MessageRecord(id: "m\(c)\(m)" + id.suffix(21), direction: "in", body: "b", createdAt: 1)
            })
        })
}

/// Contacts 0..<`count` of stage "s", with no assignee and no conversations: as many as a
/// housekeeping threshold, imported fast.
func bareContacts(_ count: Int) -> [ImportRecord] {
    (0..<count).map { number in
        var contact = sliceContact(number, stage: "s", assignee: nil)
        contact.conversations = []
        return contact
    }
}

/// The store against a real SQLite file in a temporary directory.
@Suite struct ShardStoreTests {
    private let scratch: ScratchDirectory
    var directory: String { scratch.path }
    let everySlot = SlotRange(lower: 0, upper: PartitionMap.slotCount)

    init() throws {
        scratch = try ScratchDirectory("store")
    }

    private func contact(_ id: String, stage: String = "s1", conversations: Int = 2, messages: Int = 3) -> ImportRecord {
        ImportRecord(
            kind: .contact, id: id, contactId: id, stageId: stage, assignedTo: "u1", name: "N \(id)", email: "\(id)@x.io", phone: "1",
            tags: ["t"], source: "web", createdAt: 10, updatedAt: 20,
            conversations: (0..<conversations).map { c in
                ConversationRecord(id: "c\(c)" + id.suffix(22), channel: "sms", createdAt: 1, messages: (0..<messages).map { m in
                    MessageRecord(id: "m\(c)\(m)" + id.suffix(21), direction: "in", body: "b", createdAt: 2)
                })
            })
    }

    private func id(_ number: Int) -> String { String(format: "%024x", number) }

    @Test func importsRecordsWithTheirCascadeAndCountsThem() async throws {
        let store = try SQLiteShardStore(path: "\(directory)/a.db", index: 0, slots: everySlot)
        let counts = try await store.importRecords(org: "o1", (0..<10).map { contact(id($0)) })
        #expect(counts == ImportCounts(contacts: 10, conversations: 20, messages: 60))
        let stats = try await store.stats(org: "o1")
        #expect([stats.contacts, stats.conversations, stats.messages] == [10, 20, 60])
        #expect(try await store.stats(org: "o2").contacts == 0)
    }

    @Test func reimportingAContactReplacesItAndItsConversations() async throws {
        let store = try SQLiteShardStore(path: "\(directory)/b.db", index: 0, slots: everySlot)
        _ = try await store.importRecords(org: "o1", [contact(id(1), stage: "s1", conversations: 3)])
        _ = try await store.importRecords(org: "o1", [contact(id(1), stage: "s2", conversations: 1, messages: 1)])
        let stats = try await store.stats(org: "o1")
        #expect([stats.contacts, stats.conversations, stats.messages] == [1, 1, 1])
        let detail = try #require(try await store.contact(org: "o1", id: id(1)))
        #expect(detail.contact.stageId == "s2")
        #expect([detail.conversationCount, detail.messageCount] == [1, 1])
    }

    @Test func readsOneContactOnlyInItsOwnOrg() async throws {
        let store = try SQLiteShardStore(path: "\(directory)/c.db", index: 0, slots: everySlot)
        _ = try await store.importRecords(org: "o1", [contact(id(7))])
        let detail = try #require(try await store.contact(org: "o1", id: id(7)))
        #expect(detail.contact.name == "N \(id(7))")
        #expect(detail.contact.tags == ["t"])
        #expect(try await store.contact(org: "o2", id: id(7)) == nil)
    }

    @Test func countsWhatAFilterMatches() async throws {
        let store = try SQLiteShardStore(path: "\(directory)/d.db", index: 0, slots: everySlot)
        _ = try await store.importRecords(org: "o1", (0..<6).map { contact(id($0), stage: $0 % 2 == 0 ? "even" : "odd") })
        var filter = ContactFilter()
        filter.stageIds = ["even"]
        #expect(try await store.count(org: "o1", filter: filter) == 3)
        filter.orgWide = true
        #expect(try await store.count(org: "o1", filter: filter) == 6)
        #expect(try await store.count(org: "o2", filter: filter) == 0)
    }

    @Test func refusesARecordOfAnotherShardsSlotsAndWritesNothingOfItsBatch() async throws {
        let mine = SlotRange(lower: 0, upper: 2048)
        let store = try SQLiteShardStore(path: "\(directory)/e.db", index: 0, slots: mine)
        let ids = (0..<200).map(id)
        let foreign = try #require(ids.first { !mine.contains(PartitionMap.slot(of: $0)) })
        let local = try #require(ids.first { mine.contains(PartitionMap.slot(of: $0)) })
        await #expect(throws: StoreError.self) { try await store.importRecords(org: "o1", [contact(local), contact(foreign)]) }
        #expect(try await store.stats(org: "o1").contacts == 0)
    }

    @Test func refusesToOpenADatabaseMadeForAnotherShard() async throws {
        let path = "\(directory)/f.db"
        _ = try SQLiteShardStore(path: path, index: 0, slots: SlotRange(lower: 0, upper: 2048))
        #expect(throws: StoreError.foreignDatabase(path: path, found: "shard 0 (slots 0-2048)", expected: "shard 1 (slots 2048-4096)")) {
            _ = try SQLiteShardStore(path: path, index: 1, slots: SlotRange(lower: 2048, upper: 4096))
        }
    }

    @Test func aSecondProcessCannotOwnTheSameDatabase() async throws {
        let path = "\(directory)/h.db"
        let owner = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        let error = #expect(throws: StoreError.partitionLocked(path: path + ".lock")) { _ = try SQLiteShardStore(path: path, index: 0, slots: everySlot) }
        #expect(error.map(ShardExit.init(for:)) == .databaseLocked)
        _ = try await owner.importRecords(org: "o1", [contact(id(1))])
    }

    @Test func committedBatchesAreThereAfterReopening() async throws {
        let path = "\(directory)/g.db"
        do {
            let store = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
            _ = try await store.importRecords(org: "o1", [contact(id(1)), contact(id(2))])
        }
        let reopened = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        #expect(try await reopened.stats(org: "o1").contacts == 2)
    }
}

/// Delete slices against a real SQLite file: the cascade, the checkpoint, resuming, the watermark.
@Suite struct DeleteSliceTests {
    private let scratch: ScratchDirectory
    var directory: String { scratch.path }
    let everySlot = SlotRange(lower: 0, upper: PartitionMap.slotCount)

    init() throws {
        scratch = try ScratchDirectory("slice")
    }

    private func assignment(_ jobId: String, stage: String) -> SliceAssignment {
        var filter = ContactFilter()
        filter.stageIds = [stage]
        return SliceAssignment(jobId: jobId, org: "o1", requester: "admin", filter: filter)
    }

    private func runToEnd(_ store: SQLiteShardStore, _ jobId: String) async throws -> SliceProgress {
        while true {
            let progress = try await store.runNextBatch(jobId)
            if progress.outcome.isFinal { return progress }
        }
    }

    @Test func deletesEveryMatchWithItsExactCascadeAndSideEffects() async throws {
        let store = try SQLiteShardStore(path: "\(directory)/a.db", index: 0, slots: everySlot)
        let records = (0..<1_203).map { sliceContact($0, stage: $0 % 3 == 0 ? "gone" : "kept", assignee: $0 % 2 == 0 ? "u\($0 % 5)" : nil) }
        _ = try await store.importRecords(org: "o1", records)
        _ = try await store.importRecords(org: "o2", records.prefix(50).map { $0 })
        let victims = records.filter { $0.stageId == "gone" }
        let start = try await store.startSlice(assignment("j1", stage: "gone"))
        #expect(start.counters.total == UInt64(victims.count))
        let end = try await runToEnd(store, "j1")
        let counters = end.counters
        #expect(counters.deleted == UInt64(victims.count))
        #expect(counters.processed == counters.total)
        #expect(counters.conversations == UInt64(victims.count * 2))
        #expect(counters.messages == UInt64(victims.count * 6))
        #expect(counters.auditEntries == UInt64(victims.count))
        #expect(counters.events == UInt64(victims.count))
        #expect(counters.notifications == UInt64(victims.filter { $0.assignedTo != nil }.count))
        let stats = try await store.stats(org: "o1")
        #expect(stats.contacts == UInt64(records.count - victims.count))
        #expect(stats.messages == UInt64((records.count - victims.count) * 6))
        #expect(stats.auditEntries == UInt64(victims.count))
        #expect(stats.notifications == counters.notifications)
        // The other org is untouched.
        #expect(try await store.stats(org: "o2").contacts == 50)
    }

    @Test func aRepeatedAssignmentResumesFromTheCheckpointAfterAReopen() async throws {
        let path = "\(directory)/b.db"
        // More than one batch, so the first leaves work for the reopened store.
        let total = BatchSizer.maximum + 700
        do {
            let store = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
            _ = try await store.importRecords(org: "o1", (0..<total).map { sliceContact($0, stage: "gone", assignee: nil) })
            _ = try await store.startSlice(assignment("j1", stage: "gone"))
            let first = try await store.runNextBatch("j1")
            #expect(first.counters.deleted == UInt64(BatchSizer.maximum))
            #expect(first.outcome == .running)
        }
        // A restarted shard: the same assignment again resumes where the checkpoint says.
        let reopened = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        let resumed = try await reopened.startSlice(assignment("j1", stage: "gone"))
        #expect(resumed.counters.deleted == UInt64(BatchSizer.maximum))
        #expect(resumed.counters.total == UInt64(total))
        let end = try await runToEnd(reopened, "j1")
        #expect(end.counters.deleted == UInt64(total))
        #expect(try await reopened.stats(org: "o1").auditEntries == UInt64(total))
    }

    @Test func theSnapshotIsTheJobsRegistrationNotWhenTheShardHearsOfIt() async throws {
        let store = try SQLiteShardStore(path: "\(directory)/snapshot.db", index: 0, slots: everySlot)
        _ = try await store.importRecords(org: "o1", (0..<10).map { sliceContact($0, stage: "gone", assignee: nil) })
        let registered = assignment("j1", stage: "gone")
        // Imported after the job's 202, but before this shard was given its slice.
        _ = try await store.importRecords(org: "o1", (100..<105).map { sliceContact($0, stage: "gone", assignee: nil) })
        let start = try await store.startSlice(registered)
        #expect(start.counters.total == 10)
        let end = try await runToEnd(store, "j1")
        #expect(end.counters.deleted == 10)
        #expect(end.counters.skipped == 0)
        #expect(try await store.stats(org: "o1").contacts == 5)
        for number in 100..<105 { #expect(try await store.contact(org: "o1", id: String(format: "%024x", number)) != nil) }
    }

    @Test func aReImportAfterRegistrationTakesTheRecordOutOfTheSnapshot() async throws {
        let store = try SQLiteShardStore(path: "\(directory)/reimport.db", index: 0, slots: everySlot)
        _ = try await store.importRecords(org: "o1", (0..<4).map { sliceContact($0, stage: "gone", assignee: nil) })
        let registered = assignment("j1", stage: "gone")
        _ = try await store.startSlice(registered)
        _ = try await store.importRecords(org: "o1", [sliceContact(2, stage: "gone", assignee: nil)])
        let end = try await runToEnd(store, "j1")
        #expect(end.counters.deleted == 3)
        #expect(end.counters.skipped == 1)
        #expect(try await store.contact(org: "o1", id: String(format: "%024x", 2)) != nil)
    }

    @Test func aCancelThatArrivesAfterTheLastRecordWasDeletedFinishesTheSliceInsteadOfCancellingIt() async throws {
        let store = try SQLiteShardStore(path: "\(directory)/late-cancel.db", index: 0, slots: everySlot)
        _ = try await store.importRecords(org: "o1", (0..<5).map { sliceContact($0, stage: "gone", assignee: nil) })
        _ = try await store.startSlice(assignment("j1", stage: "gone"))
        // A full batch: the slice cannot know yet that nothing is left.
        let batch = try await store.runNextBatch("j1", limit: 5)
        #expect(batch.outcome == .running)
        #expect(try await store.cancelSlice("j1").outcome == .finished)

        _ = try await store.startSlice(assignment("j2", stage: "kept"))
        #expect(try await store.cancelSlice("j2").outcome == .finished)  // nothing matched at all
        _ = try await store.importRecords(org: "o1", (10..<13).map { sliceContact($0, stage: "gone", assignee: nil) })
        _ = try await store.startSlice(assignment("j3", stage: "gone"))
        #expect(try await store.cancelSlice("j3").outcome == .cancelled)
    }

    @Test func leavesRecordsImportedAfterRegistrationAndCountsVanishedOnesSkipped() async throws {
        let store = try SQLiteShardStore(path: "\(directory)/c.db", index: 0, slots: everySlot)
        _ = try await store.importRecords(org: "o1", (0..<10).map { sliceContact($0, stage: "gone", assignee: nil) })
        _ = try await store.startSlice(assignment("j1", stage: "gone"))
        // After registration: one matching record moves away, one new matching record arrives.
        _ = try await store.importRecords(org: "o1", [sliceContact(3, stage: "kept", assignee: nil), sliceContact(99, stage: "gone", assignee: nil)])
        let end = try await runToEnd(store, "j1")
        #expect(end.counters.total == 10)
        #expect(end.counters.deleted == 9)
        #expect(end.counters.skipped == 1)
        #expect(try await store.contact(org: "o1", id: String(format: "%024x", 99)) != nil)
        #expect(try await store.contact(org: "o1", id: String(format: "%024x", 3)) != nil)
    }
}

/// The outbox: event ids stay unique after published events are removed.
@Suite struct OutboxTests {
    @Test func eventIdsAreNeverReusedAfterTheOutboxEmpties() async throws {
        let scratch = try ScratchDirectory("outbox")
        let store = try SQLiteShardStore(path: "\(scratch.path)/o.db", index: 2, slots: SlotRange(lower: 0, upper: PartitionMap.slotCount))
        var seen: Set<Int64> = []
        for round in 0..<3 {
            let id = String(format: "%024x", round)
            _ = try await store.importRecords(org: "o", [ImportRecord(
                kind: .contact, id: id, contactId: id, stageId: "s", assignedTo: nil, name: "", email: "", phone: "", tags: [], source: nil,
                createdAt: 0, updatedAt: 0, conversations: [])])
            var filter = ContactFilter()
            filter.orgWide = true
            _ = try await store.startSlice(SliceAssignment(jobId: "j\(round)", org: "o", requester: "u", filter: filter))
            while try await !store.runNextBatch("j\(round)").outcome.isFinal {}
            let events = try await store.outbox(limit: 10)
            #expect(events.count == 1)
            for event in events {
                #expect(seen.insert(event.seq).inserted, "event seq \(event.seq) came twice")
                #expect(event.shard == 2)
            }
            try await store.removeFromOutbox(through: events[0].seq)
            #expect(try await store.outbox(limit: 10).isEmpty)
        }
    }
}

/// Reads a request asked for run within a time budget; past it they stop, and the reader goes on.
@Suite struct ReadBudgetTests {
    @Test func aReadPastItsBudgetIsStoppedWithAClearErrorAndTheReaderGoesOn() async throws {
        let scratch = try ScratchDirectory("budget")
        let store = try SQLiteShardStore(path: "\(scratch.path)/b.db", index: 0, slots: SlotRange(lower: 0, upper: PartitionMap.slotCount))
        _ = try await store.importRecords(org: "o1", (0..<5_000).map { sliceContact($0, stage: "s", assignee: nil) })
        let reader = try store.reader()
        let costly = {
            var filter = ContactFilter()
            filter.stageIds = ["s"]
            filter.search = "no such text anywhere"
            return filter
        }()
        await reader.setReadBudget(.zero)
        let error = await #expect(throws: StoreError.self) {
            try await reader.withinReadBudget("counting the matches") { try $0.count(org: "o1", filter: costly) }
        }
        #expect(error == .readBudgetExceeded(what: "counting the matches", budget: .zero))
        #expect(error.map { "\($0)" }?.contains("narrow the filter") == true)
        // A count of the org's every row has no filter to narrow: its advice is to retry.
        let pool = ReaderPool([reader])
        let slowStats = await #expect(throws: StoreError.self) { try await pool.stats(org: "o1") }
        #expect(slowStats == .readBudgetExceeded(what: "counting the organization's rows", budget: .zero, advice: StoreError.retrySoon))
        #expect(slowStats.map { "\($0)" }?.contains("retry in a few seconds") == true)
        // The connection is free again, and a read within its budget answers.
        await reader.setReadBudget(SQLiteShardReader.standardReadBudget)
        #expect(try await reader.withinReadBudget("counting the matches") { try $0.count(org: "o1", filter: costly) } == 0)
        #expect(try await reader.stats(org: "o1").contacts == 5_000)
    }

    /// Counting by stage or owner reads every contact of the org: it runs within the same budget,
    /// and past it says to retry, as the totals do (there is no filter to narrow).
    @Test func aCountByStagePastItsBudgetIsStoppedSayingToRetry() async throws {
        let scratch = try ScratchDirectory("group-budget")
        let store = try SQLiteShardStore(path: "\(scratch.path)/g.db", index: 0, slots: SlotRange(lower: 0, upper: PartitionMap.slotCount))
        _ = try await store.importRecords(org: "o1", (0..<5_000).map { sliceContact($0, stage: "s\($0 % 7)", assignee: nil) })
        let reader = try store.reader()
        let pool = ReaderPool([reader])
        await reader.setReadBudget(.zero)
        let error = await #expect(throws: StoreError.self) { try await pool.groups(org: "o1", by: .stage) }
        #expect(error == .readBudgetExceeded(what: "counting the organization's contacts by stage", budget: .zero, advice: StoreError.retrySoon))
        await reader.setReadBudget(SQLiteShardReader.standardReadBudget)
        #expect(try await pool.groups(org: "o1", by: .stage).groups.map(\.contacts).reduce(0, +) == 5_000)
    }
}

extension SQLiteShardReader {
    func setReadBudget(_ budget: Duration) { readBudget = budget }
}

extension SQLiteShardStore {
    /// A reader of this store's database, as the shard process opens them.
    nonisolated func reader() throws -> SQLiteShardReader { try SQLiteShardReader(path: path, index: index) }

    /// Reads through a new reader, for tests that check what the store wrote.
    nonisolated func stats(org: String) async throws -> OrgStats { try await reader().stats(org: org) }
    nonisolated func contact(org: String, id: String) async throws -> ContactDetail? { try await reader().contact(org: org, id: id) }
    nonisolated func count(org: String, filter: ContactFilter) async throws -> UInt64 { try await reader().count(org: org, filter: filter) }
}
