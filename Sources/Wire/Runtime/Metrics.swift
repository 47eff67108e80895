import Synchronization
package import Wire

/// A process's counters, gauges and histograms, read as one snapshot for `GET /metrics`.
///
/// Each process declares its metrics once (name, kind, help, buckets) and then adds, sets and
/// observes by name with labels. Labels never carry a tenant's identifiers: their values are
/// route templates, statuses, shard numbers and table names. Thread-safe: the loop thread, the
/// actors and the store threads all record into one.
package final class Metrics: Sendable {
    /// A family carries its kind over the wire, so the codec defines it; declarations name it here.
    package typealias Kind = MetricFamily.Kind

    /// Buckets for durations in seconds, from a poll answered in a millisecond to a slow batch.
    package static let durationBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Declaration {
        let kind: Kind
        let help: String
        let buckets: [Double]
    }

    private struct Series: Hashable {
        let name: String
        let labels: [MetricLabel]
    }

    private struct Histogram {
        var counts: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0
    }

    private struct State {
        var declarations: [String: Declaration] = [:]
        var order: [String] = []
        var values: [Series: Double] = [:]
        var histograms: [Series: Histogram] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// Declares a metric; declaring it again with the same kind changes nothing.
    package func declare(_ name: String, _ kind: Kind, help: String, buckets: [Double] = Metrics.durationBuckets) {
        state.withLock { state in
            if let existing = state.declarations[name] {
                precondition(existing.kind == kind, "metric \(name) declared as two kinds")  // our bug
                return
            }
            state.declarations[name] = Declaration(kind: kind, help: help, buckets: kind == .histogram ? buckets.sorted() : [])
            state.order.append(name)
        }
    }

    /// Adds `amount` to a counter (or a gauge) of these labels.
    package func add(_ name: String, _ amount: Double = 1, labels: [String: String] = [:]) {
        add(name, amount, sortedLabels: Self.sorted(labels))
    }

    /// `add` with the labels already sorted by name: no dictionary on a path every request takes.
    package func add(_ name: String, _ amount: Double = 1, sortedLabels labels: [MetricLabel]) {
        state.withLock { state in
            Self.check(state, name, [.counter, .gauge])
            state.values[Series(name: name, labels: labels), default: 0] += amount
        }
    }

    /// Sets a gauge of these labels, or a counter whose total another part of the process keeps.
    package func set(_ name: String, _ value: Double, labels: [String: String] = [:]) {
        state.withLock { state in
            Self.check(state, name, [.counter, .gauge])
            state.values[Series(name: name, labels: Self.sorted(labels))] = value
        }
    }

    /// Counts one observation of a histogram of these labels.
    package func observe(_ name: String, _ value: Double, labels: [String: String] = [:]) {
        observe(name, value, sortedLabels: Self.sorted(labels))
    }

    /// `observe` with the labels already sorted by name.
    package func observe(_ name: String, _ value: Double, sortedLabels labels: [MetricLabel]) {
        state.withLock { state in
            Self.check(state, name, [.histogram])
            guard let buckets = state.declarations[name]?.buckets else { return }
            let series = Series(name: name, labels: labels)
            var histogram = state.histograms[series] ?? Histogram(counts: Array(repeating: 0, count: buckets.count))
            for (index, bound) in buckets.enumerated() where value <= bound { histogram.counts[index] += 1 }
            histogram.sum += value
            histogram.count += 1
            state.histograms[series] = histogram
        }
    }

    /// Every declared metric with its series now, in declaration order; histograms as their
    /// cumulative buckets (`le`, `+Inf` included), sum and count.
    package func snapshot() -> [MetricFamily] {
        state.withLock { state in
            state.order.compactMap { name -> MetricFamily? in
                guard let declaration = state.declarations[name] else { return nil }
                var samples: [MetricSample] = []
                if declaration.kind == .histogram {
                    for (series, histogram) in state.histograms.filter({ $0.key.name == name }).sorted(by: { $0.key.labels.lexicographicallyPrecedes($1.key.labels) }) {
                        for (bound, count) in zip(declaration.buckets, histogram.counts) {
                            samples.append(MetricSample(suffix: "_bucket", labels: series.labels + [MetricLabel("le", Self.number(bound))], value: Double(count)))
                        }
                        samples.append(MetricSample(suffix: "_bucket", labels: series.labels + [MetricLabel("le", "+Inf")], value: Double(histogram.count)))
                        samples.append(MetricSample(suffix: "_sum", labels: series.labels, value: histogram.sum))
                        samples.append(MetricSample(suffix: "_count", labels: series.labels, value: Double(histogram.count)))
                    }
                } else {
                    samples = state.values.filter { $0.key.name == name }.sorted { $0.key.labels.lexicographicallyPrecedes($1.key.labels) }
                        .map { MetricSample(suffix: "", labels: $0.key.labels, value: $0.value) }
                }
                return MetricFamily(name: name, kind: declaration.kind, help: declaration.help, samples: samples)
            }
        }
    }

    /// A number as Prometheus writes a bound: `0.005`, `1`, `2.5`.
    package static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    private static func sorted(_ labels: [String: String]) -> [MetricLabel] {
        labels.sorted { $0.key < $1.key }.map { MetricLabel($0.key, $0.value) }
    }

    private static func check(_ state: State, _ name: String, _ kinds: [Kind]) {
        precondition(state.declarations[name].map { kinds.contains($0.kind) } ?? false, "metric \(name) is not declared as \(kinds)")  // our bug
    }
}
