import Testing
@testable import Wire
@testable import WireRuntime

@Suite struct MetricsTests {
    @Test func countersGaugesAndHistogramsSnapshotInDeclarationOrderWithSortedSeries() {
        let metrics = Metrics()
        metrics.declare("b_total", .counter, help: "B.")
        metrics.declare("a", .gauge, help: "A.")
        metrics.declare("d_seconds", .histogram, help: "D.", buckets: [0.5, 0.1, 1])
        metrics.add("b_total", labels: ["x": "2"])
        metrics.add("b_total", 2, labels: ["x": "1"])
        metrics.add("b_total", labels: ["x": "1"])
        metrics.set("a", 7)
        metrics.set("a", 5)
        for value in [0.05, 0.2, 0.7, 3] { metrics.observe("d_seconds", value, labels: ["r": "/x"]) }

        let families = metrics.snapshot()
        #expect(families.map(\.name) == ["b_total", "a", "d_seconds"])
        #expect(families[0].samples == [
            MetricSample(suffix: "", labels: [MetricLabel("x", "1")], value: 3), MetricSample(suffix: "", labels: [MetricLabel("x", "2")], value: 1),
        ])
        #expect(families[1].samples == [MetricSample(suffix: "", labels: [], value: 5)])
        let route = MetricLabel("r", "/x")
        #expect(families[2].samples == [
            MetricSample(suffix: "_bucket", labels: [route, MetricLabel("le", "0.1")], value: 1),
            MetricSample(suffix: "_bucket", labels: [route, MetricLabel("le", "0.5")], value: 2),
            MetricSample(suffix: "_bucket", labels: [route, MetricLabel("le", "1")], value: 3),
            MetricSample(suffix: "_bucket", labels: [route, MetricLabel("le", "+Inf")], value: 4),
            MetricSample(suffix: "_sum", labels: [route], value: 3.95),
            MetricSample(suffix: "_count", labels: [route], value: 4),
        ])
    }

    @Test func familiesOfSeveralProcessesMergeByNameAndAShardsCarryItsNumber() {
        let coordinator = MetricFamily(name: "up", kind: .gauge, help: "Up.", samples: [MetricSample(suffix: "", labels: [], value: 1)])
        let shard = MetricFamily(name: "deleted_total", kind: .counter, help: "Deleted.", samples: [MetricSample(suffix: "", labels: [], value: 4)])
        let merged = MetricFamily.merged([coordinator, shard.labelled(MetricLabel("shard", "0")), shard.labelled(MetricLabel("shard", "1"))])
        #expect(merged.map(\.name) == ["up", "deleted_total"])
        #expect(merged[1].samples.map(\.labels) == [[MetricLabel("shard", "0")], [MetricLabel("shard", "1")]])
    }
}
