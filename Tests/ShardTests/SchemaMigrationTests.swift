import Testing
import Wire
@testable import Shard

/// A shard database written by an earlier build opens, migrated, and resumes
/// its slices exactly; one written by a newer build is refused as misconfigured.
@Suite struct SchemaMigrationTests {
    private let scratch: ScratchDirectory
    let everySlot = SlotRange(lower: 0, upper: PartitionMap.slotCount)

    init() throws {
        scratch = try ScratchDirectory("schema")
    }

    private static func legacy(_ value: some WireCodable) -> [UInt8] {
        var writer = WireWriter()
        writer.write(value)
        return writer.bytes
    }

    /// A version-1 database: its tables as they were, 30 contacts in stage "gone"
    /// with that build's per-shard versions 1…30, a slice that deleted 10 of them
    /// with watermark 30, and a tombstone of a job cancelled before its assignment.
    private func writeVersion1Database(at path: String) throws {
        let database = try SQLiteDatabase(path: path)
        for statement in Schema.statements where !statement.contains("delete_failures") { try database.execute(statement) }
        try database.prepare("INSERT INTO meta (key, value) VALUES ('owner', ?), ('schema', '1')").run([.text("shard 0 (slots \(everySlot))")])
        let contact = try database.prepare("""
            INSERT INTO contacts (org, id, slot, stage_id, created_at, updated_at, version) VALUES ('o1', ?, 0, 'gone', 1, 1, ?)
            """)
        for number in 10..<40 { try contact.run([.text(String(format: "%024x", number)), .integer(Int64(number - 9))]) }
        var filter = ContactFilter()
        filter.stageIds = ["gone"]
        var counters = DeleteCounters()
        counters.total = 40
        counters.deleted = 10
        let slice = try database.prepare("""
            INSERT INTO delete_slices (job_id, org, requester, filter, watermark, counters, finished, cancelled, created_at)
            VALUES (?, 'o1', 'admin', ?, 30, ?, ?, ?, 1)
            """)
        try slice.bind("j1", at: 1)
        try slice.bind(bytes: Self.legacy(filter), at: 2)
        try slice.bind(bytes: Self.legacy(counters), at: 3)
        try slice.bind(0, at: 4)
        try slice.bind(0, at: 5)
        try slice.execute()
        try slice.bind("gone-before-assigned", at: 1)
        try slice.bind(bytes: [], at: 2)
        try slice.bind(bytes: Self.legacy(DeleteCounters()), at: 3)
        try slice.bind(1, at: 4)
        try slice.bind(1, at: 5)
        try slice.execute()
    }

    @Test func aVersion1DatabaseOpensMigratedAndItsSlicesResumeExactly() async throws {
        let path = "\(scratch.path)/v1.db"
        try writeVersion1Database(at: path)
        let store = try ShardStore(path: path, index: 0, slots: everySlot)
        #expect(try await store.schemaVersion() == Int64(Schema.version))
        // The coordinator gives the slice again (any watermark: the checkpoint's stands).
        var filter = ContactFilter()
        filter.stageIds = ["gone"]
        let resumed = try await store.startSlice(SliceAssignment(jobId: "j1", org: "o1", requester: "admin", filter: filter, watermark: 0))
        #expect(resumed.counters.total == 40)
        #expect(resumed.counters.deleted == 10)
        var end = resumed
        while !end.outcome.isFinal { end = try await store.deleteNextBatch("j1") }
        #expect(end.counters.deleted == 40)
        #expect(try await store.stats(org: "o1").contacts == 0)
        #expect(try await store.cancelSlice("gone-before-assigned").outcome == .cancelled)
    }

    @Test func aDatabaseOfANewerSchemaIsRefusedAsMisconfigured() throws {
        let path = "\(scratch.path)/newer.db"
        do { _ = try ShardStore(path: path, index: 0, slots: everySlot) }
        try SQLiteDatabase(path: path).execute("UPDATE meta SET value = '\(Schema.version + 1)' WHERE key = 'schema'")
        let error = #expect(throws: StoreError.self) { _ = try ShardStore(path: path, index: 0, slots: everySlot) }
        #expect(error == .newerSchema(path: path, found: Int64(Schema.version + 1), supported: Int64(Schema.version)))
        #expect(error.map { ShardExit(for: $0) } == .misconfigured)
    }
}

extension ShardStore {
    func schemaVersion() throws -> Int64 { try database.scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema'") }
}
