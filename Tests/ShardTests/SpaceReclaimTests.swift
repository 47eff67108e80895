import Foundation
import PostgresDriver
import SQLiteDriver
import TestSupport
import Testing
import Wire
@testable import Shard

/// After a large delete, an idle shard's storage shrinks back to about what it holds:
/// SQLite by incremental vacuum in short steps, PostgreSQL by its vacuum and a rebuild of bloated indexes.
@Suite struct SpaceReclaimTests {
    private let scratch: ScratchDirectory
    let everySlot = SlotRange(lower: 0, upper: PartitionMap.slotCount)

    init() throws {
        scratch = try ScratchDirectory("reclaim")
    }

    /// Contacts `numbers` with their conversations and messages.
    static func contacts(_ numbers: Range<Int>) -> [ImportRecord] { numbers.map { sliceContact($0, stage: "s", assignee: "u") } }

    /// Deletes every record of `org` in batches, as the slice runner would; permanently unless
    /// told (a restorable delete's space is given back once it is purged).
    static func deleteOrg(_ org: String, from store: any PartitionStore, permanent: Bool = true) async throws {
        var filter = ContactFilter()
        filter.orgWide = true
        let spec = JobSpec(kind: .delete, org: org, requester: "boss", filter: filter, permanent: permanent)
        var progress = try await store.startSlice(SliceAssignment(jobId: "job-\(org)", spec: spec, watermark: TestVersions.next()))
        while !progress.outcome.isFinal { progress = try await store.runNextBatch("job-\(org)", limit: 2_000) }
    }

    /// Takes reclaim steps at `now` until one gives nothing back; their count and the bytes they gave back.
    static func reclaimAll(_ store: SQLiteShardStore, at now: ContinuousClock.Instant) async throws -> (steps: Int, bytes: Int) {
        var steps = 0
        var bytes = 0
        while true {
            let freed = try await store.reclaimSpaceStep(at: now)
            guard freed > 0 else { return (steps, bytes) }
            steps += 1
            bytes += freed
        }
    }

    private func fileSize(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }

    /// 1,000 contacts kept, 40,000 of another org deleted: once idle, the file comes back to within
    /// twice its live pages, a step of at most `reclaimPagesPerStep` pages at a time, the WAL truncated.
    @Test func anIdleShardGivesTheSpaceOfALargeDeleteBackInShortSteps() async throws {
        let path = "\(scratch.path)/r.db"
        let store = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        #expect(try await store.pages().autoVacuum == 2, "a new database has incremental vacuum")
        _ = try await store.importAll(org: "kept", Self.contacts(0..<1_000), version: TestVersions.next())
        _ = try await store.importAll(org: "gone", Self.contacts(1_000..<41_000), version: TestVersions.next())
        try await Self.deleteOrg("gone", from: store)
        let deleted = ContinuousClock.now
        let before = try await store.pages()
        #expect(before.free > SQLiteShardStore.reclaimPagesPerStep, "more than one step's worth")
        // What the file must come back to: the kept records, and the audit entries the delete wrote.
        let livePages = before.total - before.free
        #expect(try await store.reclaimSpaceStep(at: deleted) == 0, "not idle yet")

        let first = try await store.reclaimSpaceStep(at: deleted + ReclaimSchedule.idleFor)
        // One step's free pages, and the pointer-map pages (one per page_size / 5 pages) that go with them; no more.
        let pointerMapPages = SQLiteShardStore.reclaimPagesPerStep / (before.pageSize / 5) + 1
        #expect((SQLiteShardStore.reclaimPagesPerStep * before.pageSize...(SQLiteShardStore.reclaimPagesPerStep + pointerMapPages) * before.pageSize).contains(first))
        _ = try await store.importAll(org: "kept", Self.contacts(0..<1), version: TestVersions.next())
        #expect(try await store.reclaimSpaceStep(at: deleted + ReclaimSchedule.idleFor) == 0, "a write stops the reclaim")

        let idle = ContinuousClock.now + ReclaimSchedule.idleFor
        let rest = try await Self.reclaimAll(store, at: idle)
        let after = try await store.pages()
        #expect(rest.steps >= 1)
        #expect(after.free == 0)
        #expect(after.total <= 2 * livePages, "\(after.total) pages against \(livePages) live")
        #expect(first + rest.bytes == (before.total - after.total) * before.pageSize)
        #expect(try fileSize(path) <= 2 * livePages * before.pageSize, "the file itself shrank")
        #expect(try fileSize(path + "-wal") == 0)
        #expect(try await store.reclaimSpaceStep(at: idle + .seconds(3_600)) == 0, "nothing owed until the next deletes")
        let stats = try await store.stats(org: "kept")
        #expect([stats.contacts, stats.conversations, stats.messages] == [1_000, 2_000, 6_000])
    }

    /// A restorable delete's kept copy holds its space until the purge; once purged and idle, the
    /// file comes back to within twice its live pages, as after a permanent delete.
    @Test func thePurgedSpaceOfARestorableDeleteIsGivenBackOnceIdle() async throws {
        let path = "\(scratch.path)/purged.db"
        let store = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        _ = try await store.importAll(org: "kept", Self.contacts(0..<1_000), version: TestVersions.next())
        _ = try await store.importAll(org: "gone", Self.contacts(1_000..<21_000), version: TestVersions.next())
        try await Self.deleteOrg("gone", from: store, permanent: false)
        _ = try await Self.reclaimAll(store, at: ContinuousClock.now + ReclaimSchedule.idleFor)
        let kept = try await store.pages()
        try await store.requestPurge("job-gone")
        while try await store.purgeNextBatch(limit: 500, rows: 50_000) > 0 {}
        let purged = try await store.pages()
        let livePages = purged.total - purged.free
        #expect(kept.total > 2 * livePages, "the kept copy held the space of what was deleted")

        let reclaimed = try await Self.reclaimAll(store, at: ContinuousClock.now + ReclaimSchedule.idleFor)
        let after = try await store.pages()
        #expect(reclaimed.steps >= 1)
        #expect(after.total <= 2 * livePages, "\(after.total) pages against \(livePages) live")
        #expect(try fileSize(path) <= 2 * livePages * after.pageSize)
        #expect(try await store.stats(org: "kept").contacts == 1_000)
    }

    /// A database written before incremental vacuum (`auto_vacuum = NONE`) and small gains it at open, every record kept.
    @Test func anOldSmallDatabaseGainsIncrementalVacuumAtOpenKeepingEveryRecord() async throws {
        let path = "\(scratch.path)/old.db"
        try await Self.writeOldDatabase(at: path, kept: 0..<500, gone: 0..<0)
        let store = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        #expect(try await store.pages().autoVacuum == 2)
        let stats = try await store.stats(org: "kept")
        #expect([stats.contacts, stats.conversations, stats.messages] == [500, 1_000, 3_000])
        #expect(try await store.contact(org: "kept", id: String(format: "%024x", 499))?.messageCount == 6)
    }

    /// Too large to rewrite at open, an old database keeps `NONE`; once a large delete leaves it
    /// small, the idle reclaim converts it (one VACUUM of what is left) and the file shrinks.
    @Test func anOldLargeDatabaseIsConvertedOnceIdleAfterADeleteLeavesItSmall() async throws {
        let path = "\(scratch.path)/old-large.db"
        let pagesAtOpen = try await Self.writeOldDatabase(at: path, kept: 0..<1_000, gone: 1_000..<13_000)
        let store = try SQLiteShardStore(path: path, index: 0, slots: everySlot, convertByVacuumUpToPages: pagesAtOpen - 1)
        #expect(try await store.pages().autoVacuum == 0, "too large to rewrite at open")
        try await Self.deleteOrg("gone", from: store)
        let deleted = try await store.pages()
        let livePages = deleted.total - deleted.free
        let reclaimed = try await Self.reclaimAll(store, at: ContinuousClock.now + ReclaimSchedule.idleFor)
        let after = try await store.pages()
        #expect(reclaimed.steps >= 1)
        #expect(after.autoVacuum == 2)
        #expect(after.total <= 2 * livePages, "\(after.total) pages against \(livePages) live")
        #expect(try fileSize(path) <= 2 * livePages * after.pageSize)
        let stats = try await store.stats(org: "kept")
        #expect([stats.contacts, stats.conversations, stats.messages] == [1_000, 2_000, 6_000])
    }

    /// Writes a shard database as builds before incremental vacuum left it: `kept` contacts, then
    /// `gone` contacts of org "gone", `auto_vacuum = NONE`; its pages (all live).
    @discardableResult
    static func writeOldDatabase(at path: String, kept: Range<Int>, gone: Range<Int>) async throws -> Int {
        let everySlot = SlotRange(lower: 0, upper: PartitionMap.slotCount)
        let store = try SQLiteShardStore(path: path, index: 0, slots: everySlot)
        _ = try await store.importAll(org: "kept", contacts(kept), version: TestVersions.next())
        if !gone.isEmpty { _ = try await store.importAll(org: "gone", contacts(gone), version: TestVersions.next()) }
        try await store.close()
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA auto_vacuum = NONE; VACUUM")
        #expect(try database.scalar("PRAGMA auto_vacuum") == 0)
        return Int(try database.scalar("PRAGMA page_count"))
    }
}

/// PostgreSQL: an idle shard's vacuum truncates the tables' empty tails, and rebuilds indexes a
/// delete (and the purge of what it kept) left mostly empty (`REINDEX TABLE CONCURRENTLY`), which
/// VACUUM never shrinks.
@Suite struct PostgresSpaceReclaimTests {
    /// The tables a delete and a purge touch, their total size on disk.
    private static func tablesSize(_ connection: PostgresConnection) throws -> Int64 {
        let tables = ["contacts", "applications", "conversations", "messages", "event_outbox"]
            + ["kept_contacts", "kept_applications"]
        return try connection.scalar(PostgresMaintenance.tablesSize, [.texts(tables)])
    }

    @Test func anIdleShardVacuumsAndRebuildsBloatedIndexesSoItsTablesComeBackToWithinTwiceTheirData() async throws {
        let location = try TestPostgres.newDatabase()
        let store = try PostgresShardStore(connectionString: location, index: 0, slots: OpenPartition.everySlot, cluster: .testCluster)
        let observer = try PostgresConnection(location)
        _ = try await store.importAll(org: "kept", SpaceReclaimTests.contacts(0..<1_000), version: TestVersions.next())
        let live = try Self.tablesSize(observer)
        _ = try await store.importAll(org: "gone", SpaceReclaimTests.contacts(1_000..<13_000), version: TestVersions.next())
        let full = try Self.tablesSize(observer)
        try await SpaceReclaimTests.deleteOrg("gone", from: store)
        // What the delete kept is purged (its window ended): its space goes back as the delete's does.
        try await store.requestPurge("job-gone")
        while try await store.purgeNextBatch(limit: 500, rows: 50_000) > 0 {}
        // Published, as the shard's publisher does: the outbox keeps nothing.
        try await store.removeFromOutbox(through: .max)
        let deleted = try Self.tablesSize(observer)
        #expect(try await store.checkpointIfIdle() == false)
        for _ in 1..<PostgresShardStore.quietLooksBeforeHousekeeping { #expect(try await store.checkpointIfIdle() == false) }
        #expect(try await store.checkpointIfIdle() == true, "idle after many deletes: the maintenance starts")
        var freed = 0
        try await waitUntil(timeout: .seconds(60)) {
            freed += (try? await store.reclaimSpaceStep(at: .now)) ?? 0
            return freed > 0
        }
        let after = try Self.tablesSize(observer)
        #expect(after <= 2 * live, "\(after) bytes against \(live) live, \(full) before the delete")
        #expect(Int64(freed) == deleted - after, "counted as the tables shrank")
        #expect(after < full)
        #expect(try observer.scalar("SELECT count(*) FROM contacts WHERE org = 'kept'") == 1_000)
        #expect(try observer.scalar("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == 0, "no rebuild left behind")
    }
}

extension SQLiteShardStore {
    /// The database's pages: in all, free, their size, and its `auto_vacuum` (0 none, 2 incremental).
    func pages() throws -> (total: Int, free: Int, pageSize: Int, autoVacuum: Int) {
        (Int(try database.scalar("PRAGMA page_count")), Int(try database.scalar("PRAGMA freelist_count")),
         Int(try database.scalar("PRAGMA page_size")), Int(try database.scalar("PRAGMA auto_vacuum")))
    }
}
