import Synchronization
import Wire

/// A shard's readers: each read goes to the one with the fewest reads under way,
/// so one slow count does not hold up the reads behind it while another reader is free.
final class ReaderPool: Sendable {
    private let readers: [ShardReader]
    private let underWay: Mutex<[Int]>

    /// Readers a shard opens: as many as a small machine has cores for reads beside the writer.
    static let standardSize = 2

    init(path: String, index: Int, size: Int = ReaderPool.standardSize) throws {
        precondition(size > 0, "a reader pool needs a reader")  // configuration bug
        readers = try (0..<size).map { _ in try ShardReader(path: path, index: index) }
        underWay = Mutex(Array(repeating: 0, count: size))
    }

    /// Runs the read `body` (called `what` in its errors) on the least busy reader, within its time budget.
    func read<T: Sendable>(_ what: String, _ body: @Sendable (isolated ShardReader) throws -> T) async throws -> T {
        let chosen = underWay.withLock { counts in
            let index = counts.indices.min { counts[$0] < counts[$1] } ?? 0
            counts[index] += 1
            return index
        }
        defer { underWay.withLock { $0[chosen] -= 1 } }
        return try await readers[chosen].withinReadBudget(what, body)
    }
}
