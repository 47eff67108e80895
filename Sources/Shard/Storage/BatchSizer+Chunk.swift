import Wire

extension BatchSizer {
    /// Writes the chunk of `records` from `start` on that the last chunks show takes about
    /// `target`, with `write`, and sizes the next chunk by how long it took; what `write`
    /// returned, and where the next chunk starts. A chunk that throws is not measured.
    mutating func writeChunk<T>(
        of records: [ImportRecord], from start: Int, _ write: (ArraySlice<ImportRecord>) throws -> T
    ) rethrows -> (written: T, next: Int) {
        let end = min(records.count, start + size)
        let started = ContinuousClock.now
        let written = try write(records[start..<end])
        measured(records: end - start, took: ContinuousClock.now - started)
        return (written, end)
    }
}
