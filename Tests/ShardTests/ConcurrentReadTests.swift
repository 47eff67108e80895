import Foundation
import SQLiteDriver
import Testing
import Wire
@testable import Shard

/// Reads run on their own connections beside the writer, and never hold the WAL back.
@Suite struct ConcurrentReadTests {
    private let scratch: ScratchDirectory
    private let everySlot = SlotRange(lower: 0, upper: PartitionMap.slotCount)

    init() throws {
        scratch = try ScratchDirectory("reads")
    }

    private func contacts(_ range: Range<Int>, stage: String = "s") -> [ImportRecord] {
        range.map { sliceContact($0, stage: stage, assignee: "u1") }
    }

    private func walBytes(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
    }

    /// The writer holds a batch open (uncommitted) for as long as the test likes: a read
    /// answers meanwhile, from the last committed state, and sees the batch once it commits.
    @Test func aReadAnswersWhileABatchIsHeldOpen() async throws {
        let store = try SQLiteShardStore(path: "\(scratch.path)/held.db", index: 0, slots: everySlot)
        _ = try await store.importRecords(org: "o1", contacts(0..<300))
        let readers = try ReaderPool(path: store.path, index: 0)
        try await store.beginHeldBatch()
        let started = ContinuousClock.now
        let stats = try await readers.read("counting") { try $0.stats(org: "o1") }
        #expect(stats.contacts == 300 && stats.messages == 1_800, "the read saw the uncommitted batch: \(stats)")
        #expect(ContinuousClock.now - started < .seconds(1), "the read waited for the writer")
        try await store.commitHeldBatch()
        #expect(try await readers.read("counting") { try $0.stats(org: "o1") }.contacts == 0)
    }

    /// Batches keep coming while a reader reads as fast as it can: every checkpoint still
    /// copies the WAL back and the WAL starts over, so it never grows much past the checkpoint
    /// threshold; once writes pause it is truncated to nothing, and so is it on close.
    @Test func theWALIsCheckpointedAndRestartedWhileReadsGoOn() async throws {
        let pages = 200
        let store = try SQLiteShardStore(path: "\(scratch.path)/wal.db", index: 0, slots: everySlot, walCheckpointPages: pages...pages)
        let readers = try ReaderPool(path: store.path, index: 0)
        var staged = ContactFilter()
        staged.stageIds = ["s"]
        let filter = staged
        let reading = Task {
            var reads = 0
            while !Task.isCancelled {
                _ = try await readers.read("stats") { try $0.stats(org: "o1") }
                _ = try await readers.read("count") { try $0.count(org: "o1", filter: filter) }
                reads += 1
            }
            return reads
        }
        var largest = 0
        var oneBatch = 0
        for batch in 0..<120 {
            _ = try await store.importRecords(org: "o1", contacts(batch * 200..<(batch + 1) * 200))
            if batch == 0 { oneBatch = walBytes(store.path) }
            largest = max(largest, walBytes(store.path))
        }
        reading.cancel()
        let reads = try await reading.value
        #expect(reads > 10, "the reader hardly read: \(reads) rounds")
        let total = try FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int ?? 0
        // The first commit past twice the threshold restarts the WAL, or, when a reader holds it
        // past the busy time-out, one of the next few: it stays within about twice the threshold
        // and a few batches; PASSIVE checkpoints alone let readers that keep coming grow it past that.
        #expect(largest <= 4 * pages * 4096, "the WAL grew to \(largest) bytes, a batch is \(oneBatch) (database \(total))")
        #expect(total > 4 * largest, "the batches were checkpointed into the database: \(total) bytes")

        #expect(try await store.checkpointIfIdle() == false, "writes just happened: not idle yet")
        #expect(try await store.checkpointIfIdle() == true)
        #expect(walBytes(store.path) == 0)
        #expect(try await store.checkpointIfIdle() == false, "nothing new to truncate")
        _ = try await store.importRecords(org: "o1", contacts(100_000..<100_010))
        #expect(walBytes(store.path) > 0)
        try await store.close()
        #expect(walBytes(store.path) == 0)
    }

    /// The WAL's threshold is a quarter of the database, within its bounds: as the database
    /// grows the WAL may grow with it, but the files stay within about twice what they hold.
    @Test func theWALStaysWithinAboutHalfTheDatabaseAsItGrows() async throws {
        let floor = 50
        let store = try SQLiteShardStore(path: "\(scratch.path)/grow.db", index: 0, slots: everySlot, walCheckpointPages: floor...100_000)
        var worst = 0.0
        for batch in 0..<120 {
            _ = try await store.importRecords(org: "o1", contacts(batch * 200..<(batch + 1) * 200))
            let database = try FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int ?? 0
            // Past the floor's own reach (twice the floor and a batch), the WAL is held to the database's half and a few batches.
            if database > 16 * floor * 4096 { worst = max(worst, Double(walBytes(store.path)) / Double(database)) }
        }
        #expect(worst > 0, "the database never outgrew the floor")
        #expect(worst <= 0.75, "the WAL reached \(worst) of the database")
        try await store.close()
    }

    @Test func theThresholdIsAQuarterOfTheDatabaseWithinItsBounds() {
        let bounds = 1_000...10_000
        #expect(SQLiteDatabase.walThreshold(databaseBytes: 0, within: bounds) == 1_000)
        #expect(SQLiteDatabase.walThreshold(databaseBytes: 40 << 20, within: bounds) == 2_560)
        #expect(SQLiteDatabase.walThreshold(databaseBytes: 1 << 40, within: bounds) == 10_000)
    }
}

extension SQLiteShardStore {
    /// A write transaction left open, as a batch in progress is: the test's hook.
    func beginHeldBatch() throws {
        try database.execute("BEGIN IMMEDIATE; DELETE FROM messages; DELETE FROM conversations; DELETE FROM contacts")
    }

    func commitHeldBatch() throws { try database.execute("COMMIT") }
}
