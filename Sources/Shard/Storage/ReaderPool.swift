import Synchronization
import Wire

/// What one of a shard's readers does: each read within the reader's time budget,
/// on a connection of its own beside the writer.
protocol PartitionReader: Actor {
    /// Runs the read `body` (called `what` in its errors) within the reader's time budget.
    func withinReadBudget<T: Sendable>(_ what: String, _ body: @Sendable (isolated Self) throws -> T) throws -> T
    func count(org: String, filter: ContactFilter) throws -> UInt64
    func contact(org: String, id: String) throws -> ContactDetail?
    func stats(org: String) throws -> OrgStats
    func groups(org: String, by: ContactGrouping) throws -> ContactGroups
    func logPage(_ query: LogQuery, after: Int64, limit: Int) throws -> LogPage
    func records(_ query: RecordQuery) throws -> RecordPage
}

/// A shard's readers: each read goes to the one with the fewest reads under way,
/// so one slow count does not hold up the reads behind it while another reader is free.
final class ReaderPool<Reader: PartitionReader>: PartitionReads {
    private let readers: [Reader]
    private let underWay: Mutex<[Int]>

    /// Readers a shard opens: as many as a small machine has cores for reads beside the writer.
    static var standardSize: Int { 2 }

    init(_ readers: [Reader]) {
        precondition(!readers.isEmpty, "a reader pool needs a reader")  // configuration bug
        self.readers = readers
        underWay = Mutex(Array(repeating: 0, count: readers.count))
    }

    /// Runs the read `body` (called `what` in its errors, with `advice`) on the least busy reader, within its time budget.
    func read<T: Sendable>(
        _ what: String, advice: String = StoreError.narrowTheFilter, _ body: @Sendable (isolated Reader) throws -> T
    ) async throws -> T {
        let chosen = underWay.withLock { counts in
            let index = counts.indices.min { counts[$0] < counts[$1] } ?? 0
            counts[index] += 1
            return index
        }
        defer { underWay.withLock { $0[chosen] -= 1 } }
        do {
            return try await readers[chosen].withinReadBudget(what, body)
        } catch StoreError.readBudgetExceeded(let what, let budget, _) {
            throw StoreError.readBudgetExceeded(what: what, budget: budget, advice: advice)
        }
    }

    func count(org: String, filter: ContactFilter) async throws -> UInt64 {
        try await read("counting the matches") { try $0.count(org: org, filter: filter) }
    }

    func contact(org: String, id: String) async throws -> ContactDetail? {
        try await read("reading a contact") { try $0.contact(org: org, id: id) }
    }

    func stats(org: String) async throws -> OrgStats {
        try await read("counting the organization's rows", advice: StoreError.retrySoon) { try $0.stats(org: org) }
    }

    func groups(org: String, by: ContactGrouping) async throws -> ContactGroups {
        try await read("counting the organization's contacts by \(by)", advice: StoreError.retrySoon) { try $0.groups(org: org, by: by) }
    }

    func logPage(_ query: LogQuery, after: Int64, limit: Int) async throws -> LogPage {
        try await read("reading a log page") { try $0.logPage(query, after: after, limit: limit) }
    }

    func records(_ query: RecordQuery) async throws -> RecordPage {
        try await read("reading the matching records") { try $0.records(query) }
    }
}

extension ReaderPool where Reader == SQLiteShardReader {
    /// `size` readers of the SQLite shard database at `path`.
    convenience init(path: String, index: Int, size: Int = ReaderPool.standardSize) throws {
        self.init(try (0..<size).map { _ in try SQLiteShardReader(path: path, index: index) })
    }
}
