import Foundation
import SQLiteDriver
import StorageDriver
import TestSupport
import Testing
import Wire
import WireRuntime
@testable import Shard

extension SQLiteShardStore {
    /// Runs `sql` on the store's own connection: how these tests inject faults.
    func execute(_ sql: String) throws { try database.execute(sql) }

    func outboxCount() throws -> Int64 { try database.scalar("SELECT count(*) FROM event_outbox") }

    func pageCount() throws -> Int64 { try database.scalar("PRAGMA page_count") }
}

/// What the store does when SQLite fails under it: a failed batch leaves no
/// trace, and every fault is classified for the retry and the exit code.
@Suite struct StorageFaultTests {
    private let scratch: ScratchDirectory
    var directory: String { scratch.path }
    let everySlot = SlotRange(lower: 0, upper: PartitionMap.slotCount)

    init() throws {
        scratch = try ScratchDirectory("fault")
    }

    /// A store holding 1,200 contacts, every third of them (400) in stage "gone", and a slice registered over those.
    private func storeWithSlice(_ name: String) async throws -> SQLiteShardStore {
        let store = try SQLiteShardStore(path: "\(directory)/\(name).db", index: 0, slots: everySlot)
        _ = try await store.importRecords(org: "o1", (0..<1_200).map { sliceContact($0, stage: $0 % 3 == 0 ? "gone" : "kept", assignee: "u\($0 % 4)") })
        var filter = ContactFilter()
        filter.stageIds = ["gone"]
        let start = try await store.startSlice(SliceAssignment(jobId: "j1", org: "o1", requester: "admin", filter: filter))
        #expect(start.counters.total == 400)
        return store
    }

    /// The checkpoint of the slice before any batch committed.
    private var untouched: DeleteCounters {
        var counters = DeleteCounters()
        counters.total = 400
        return counters
    }

    private func runToEnd(_ store: SQLiteShardStore) async throws -> SliceProgress {
        while true {
            let progress = try await store.runNextBatch("j1")
            if progress.outcome.isFinal { return progress }
        }
    }

    /// Asserts that a failed batch changed nothing: rows, side effects, outbox and checkpoint are as before.
    private func expectNoTrace(_ store: SQLiteShardStore, before: OrgStats, outboxBefore: Int64) async throws {
        #expect(try await store.stats(org: "o1") == before)
        #expect(try await store.outboxCount() == outboxBefore)
        #expect(try await store.cancelProgress("j1").counters == untouched)
    }

    @Test func aBatchThatFailsHalfWayLeavesNoTraceAndTheSliceThenFinishesExactly() async throws {
        let store = try await storeWithSlice("half")
        let before = try await store.stats(org: "o1")
        let outboxBefore = try await store.outboxCount()
        // A fault at the 201st of the 400 contacts, in the middle of the batch's transaction.
        let victim = String(format: "%024x", 600)
        try await store.execute("CREATE TEMP TRIGGER fault BEFORE DELETE ON contacts WHEN old.id = '\(victim)' BEGIN SELECT RAISE(ABORT, 'injected'); END")
        let error = await #expect(throws: SQLiteError.self) { try await store.runNextBatch("j1") }
        #expect(error?.fault == .record)
        #expect(error?.isTransient == false)
        try await expectNoTrace(store, before: before, outboxBefore: outboxBefore)

        try await store.execute("DROP TRIGGER fault")
        let end = try await runToEnd(store)
        #expect(end.counters.deleted == 400)
        #expect(end.counters.processed == 400)
        #expect(end.counters.auditEntries == 400)
        let after = try await store.stats(org: "o1")
        #expect(after.contacts == 800)
        #expect(after.auditEntries == 400)
        #expect(after.notifications == 400)
        #expect(try await store.outboxCount() == outboxBefore + 400)
    }

    @Test func aRecordSetAsideAsFailedIsCountedListedAndPassedByWhileTheRestIsDeleted() async throws {
        let store = try await storeWithSlice("record")
        let victim = String(format: "%024x", 600)
        try await store.execute("CREATE TEMP TRIGGER fault BEFORE DELETE ON contacts WHEN old.id = '\(victim)' BEGIN SELECT RAISE(ABORT, 'injected'); END")
        // What the runner does after halving down to it: the batch of one fails, the record is set aside.
        var deleted: UInt64 = 0
        while true {
            do {
                deleted = try await store.runNextBatch("j1", limit: 1).counters.deleted
            } catch let error as SQLiteError where error.fault == .record {
                break
            }
        }
        let aside = try await store.failNextRecord("j1", reason: "injected")
        #expect(aside.errors == [SliceError(recordId: victim, message: "injected")])
        #expect(aside.counters.failed == 1)
        #expect(aside.counters.deleted == deleted)
        #expect(aside.outcome == .running)

        let end = try await runToEnd(store)
        #expect(end.outcome == .finished)
        #expect(end.counters.deleted == 399)
        #expect(end.counters.failed == 1)
        #expect(end.counters.skipped == 0)
        #expect(end.counters.processed == end.counters.total)
        #expect(end.errors.isEmpty)
        #expect(try await store.contact(org: "o1", id: victim) != nil)
        #expect(try await store.stats(org: "o1").auditEntries == 399)
    }

    @Test func aFullDatabaseFailsTheBatchAsATransientStorageFaultAndLeavesNoTrace() async throws {
        let store = try await storeWithSlice("full")
        let before = try await store.stats(org: "o1")
        let outboxBefore = try await store.outboxCount()
        // Not one page more than it has: the audit entries cannot find room, as on a full disk.
        try await store.execute("PRAGMA max_page_count = \(try await store.pageCount())")
        let error = await #expect(throws: SQLiteError.self) { try await store.runNextBatch("j1") }
        #expect(error?.fault == .storage)
        #expect(error?.isTransient == true)
        try await expectNoTrace(store, before: before, outboxBefore: outboxBefore)

        try await store.execute("PRAGMA max_page_count = 1073741823")
        #expect(try await runToEnd(store).counters.deleted == 400)
    }

    @Test func aDamagedTableFailsTheBatchAsCorrupt() async throws {
        let path = "\(directory)/damaged.db"
        do {
            let store = try await storeWithSlice("damaged")
            _ = store
        }
        try DatabaseDamage.corruptTable("messages", in: path)
        let reopened = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        let error = await #expect(throws: SQLiteError.self) { try await reopened.runNextBatch("j1") }
        #expect(error?.fault == .corrupt)
        #expect(error?.isTransient == false)
        #expect(try await reopened.cancelProgress("j1").counters == untouched)
    }

    @Test func aFileThatIsNotADatabaseMakesTheShardExitAsCorrupt() async throws {
        let path = "\(directory)/garbage.db"
        _ = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        try DatabaseDamage.destroyHeader(of: path)
        let error = #expect(throws: SQLiteError.self) { _ = try SQLiteShardStore(path: path, index: 0, slots: everySlot) }
        #expect(error?.fault == .corrupt)
        #expect(error.map { ShardExit(for: $0) } == .corruptDatabase)
    }

    /// Not another shard (the partition lock refuses that, see ShardStoreTests) but any
    /// other program holding the database's write lock, as sqlite3 with BEGIN EXCLUSIVE does.
    @Test func aDatabaseLockedByAnotherProgramMakesTheShardExitAsLocked() async throws {
        let path = "\(directory)/locked.db"
        do { _ = try SQLiteShardStore(path: path, index: 0, slots: everySlot) }
        let other = try SQLiteDatabase(path: path)
        try other.execute("BEGIN EXCLUSIVE; UPDATE meta SET value = value WHERE key = 'schema'")
        let error = #expect(throws: SQLiteError.self) { _ = try SQLiteShardStore(path: path, index: 0, slots: everySlot) }
        #expect(error?.fault == .locked)
        #expect(error?.isTransient == true)
        #expect(error.map { ShardExit(for: $0) } == .databaseLocked)
        try other.execute("ROLLBACK")
    }

    @Test func aDatabaseOfAnotherShardMakesTheShardExitAsMisconfigured() async throws {
        let path = "\(directory)/foreign.db"
        _ = try SQLiteShardStore(path: path, index: 0, slots: SlotRange(lower: 0, upper: 2048))
        let error = #expect(throws: StoreError.self) { _ = try SQLiteShardStore(path: path, index: 1, slots: SlotRange(lower: 2048, upper: 4096)) }
        #expect(error.map { ShardExit(for: $0) } == .misconfigured)
    }

    @Test(arguments: [
        (Int32(5), StorageFault.locked), (517, .locked), (6, .locked), (13, .storage), (10, .storage), (778, .storage), (14, .storage),
        (11, .corrupt), (26, .corrupt), (19, .record), (1811, .record), (18, .record), (20, .record), (1, .other), (21, .other),
    ])
    func resultCodesAreClassifiedByTheirPrimaryCode(code: Int32, fault: StorageFault) {
        #expect(SQLiteError(operation: "step", code: code, message: "").fault == fault)
    }
}
