/// How many records a slice's next batch takes: as many as the last batches show fit
/// in `target`, so that progress, cancels and other tenants' batches wait at most
/// about that long, while each batch stays one set-based, seq-ordered statement. Pure.
///
/// A batch that fails because of one record is narrowed down by halving, to 1; the
/// size then grows back from what the next batches measure.
struct BatchSizer {
    /// How long a batch should take. Chosen with `scripts/bench delete` (docs/benchmarks.md, "Why
    /// a batch cost more in a larger table"): longer batches delete a little faster, but each is
    /// a wait for what queues behind it. Reads never wait for a batch (they have their own
    /// connections), so what waits up to this long is a cancel, a progress report and another
    /// job's batch.
    static let target: Duration = .milliseconds(100)
    /// Bounds of a measured size: below the minimum the per-batch cost dominates; the
    /// maximum is the fixed size `scripts/bench delete` found fastest (docs/benchmarks.md).
    static let minimum = 100
    static let maximum = 10_000
    /// A batch grows by at most this factor over the last: one fast batch (a cached page
    /// run) must not commit the next to ten times the work.
    static let growth = 2

    /// The size of the next batch.
    private(set) var size: Int

    init(size: Int = BatchSizer.minimum * 10) {
        self.size = size
    }

    /// A batch of `records` that took `took`: the next takes what fits `target` at that rate.
    mutating func measured(records: Int, took: Duration) {
        guard records > 0 else { return }
        let seconds = max(took / .seconds(1), 1e-6)
        let fitting = Int(Double(records) * (Self.target / .seconds(1)) / seconds)
        size = min(max(fitting, Self.minimum), Self.maximum, max(records, size) * Self.growth)
    }

    /// A batch failed because of one of its records: the next takes half, down to 1.
    mutating func narrow() {
        size = max(1, (size + 1) / 2)
    }

    /// Whether the batch that failed was already a single record.
    var isSingleRecord: Bool { size == 1 }
}
