import Wire
import WireRuntime

/// One import's body turned into batches: lines split, parsed, and rejected by number.
///
/// Parsing is nearly all of an import's work in the gateway, so it runs on a thread of its own at `ThreadExecutor.bulkWorkNiceness`, one thread for every
/// import: the threads that answer requests, another tenant's among them, go first for the CPU.
actor ImportParsing {
    private static let thread = ThreadExecutor(name: "gateway-import", niceness: ThreadExecutor.bulkWorkNiceness)
    nonisolated var unownedExecutor: UnownedSerialExecutor { Self.thread.asUnownedSerialExecutor() }

    /// A batch ready to send, the line its first record came from, and how many lines before
    /// that line were rejected: what the answer says if the import stops at this batch.
    struct Batch: Sendable {
        let records: ImportBatch
        let firstLine: Int
        let rejectedBefore: Int
    }

    private let parser: ImportLineParser
    private let lineLimit: Int
    private var splitter: LineSplitter
    private(set) var rejected: [(line: Int, error: String)] = []
    private(set) var rejectedTotal = 0
    private var batch = ImportBatch()
    private var batchFirstLine = 1
    private var batchRejectedBefore = 0

    init(lineLimit: Int, now: Int64) {
        parser = ImportLineParser(now: now)
        self.lineLimit = lineLimit
        splitter = LineSplitter(maxLineBytes: lineLimit)
    }

    /// The batches that `piece` of the body fills.
    func feed(_ piece: [UInt8]) -> [Batch] {
        splitter.feed(piece).compactMap(take)
    }

    /// The batches left once the body has ended.
    func finish() -> [Batch] {
        (splitter.finish().flatMap(take).map { [$0] } ?? []) + stop()
    }

    /// The batch of the lines taken so far, when the body was cut short: a line whose end did
    /// not arrive is not imported, so the import stops at `firstUnendedLine`.
    func stop() -> [Batch] {
        defer { batch = ImportBatch() }
        return batch.isEmpty ? [] : [Batch(records: batch, firstLine: batchFirstLine, rejectedBefore: batchRejectedBefore)]
    }

    /// The first line whose end has not arrived.
    var firstUnendedLine: Int { splitter.firstUnendedLine }

    /// Adds the record on `line` to the batch; the batch before it when the record would not fit in it.
    private func take(_ line: LineSplitter.Line) -> Batch? {
        guard let (number, encoded) = parse(line) else { return nil }
        var full: Batch?
        if !batch.isEmpty && (batch.count >= ImportEndpoint.batchRecords || batch.bytes.count + encoded.count > ImportEndpoint.batchBytes) {
            full = Batch(records: batch, firstLine: batchFirstLine, rejectedBefore: batchRejectedBefore)
            batch = ImportBatch()
        }
        if batch.isEmpty { (batchFirstLine, batchRejectedBefore) = (number, rejectedTotal) }
        batch.append(encoded[...])
        return full
    }

    /// The record on `line`, encoded; nil for a blank line or a rejected one (counted).
    private func parse(_ line: LineSplitter.Line) -> (number: Int, encoded: [UInt8])? {
        switch line {
        case .complete(let number, let bytes):
            // Blank lines (a trailing newline, spacing) are not records.
            guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return nil }
            do {
                return (number, try parser.parse(bytes))
            } catch {
                reject(number, error.message)
                return nil
            }
        case .tooLong(let number):
            reject(number, "line is longer than \(lineLimit) bytes")
            return nil
        }
    }

    private func reject(_ line: Int, _ message: String) {
        rejectedTotal += 1
        if rejected.count < ImportEndpoint.listedRejections { rejected.append((line, message)) }
    }
}
