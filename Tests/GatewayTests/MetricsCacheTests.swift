import Synchronization
import Testing
import Wire
@testable import Gateway

/// `GET /metrics` needs no token: a storm of scrapes must not become a storm of requests to
/// every shard. Driven with a counting gatherer and a clock the test moves.
@Suite struct MetricsCacheTests {
    /// A clock that stands still until the test moves it.
    private final class TestClock: Sendable {
        private let instant = Mutex(ContinuousClock.now)
        var now: ContinuousClock.Instant { instant.withLock { $0 } }
        func advance(by duration: Duration) { instant.withLock { $0 += duration } }
    }

    /// A gatherer that counts its calls and takes `takes` to answer, with the call's number.
    private final class CountingGatherer: Sendable {
        private let count = Mutex(0)
        var calls: Int { count.withLock { $0 } }
        func gather(takes: Duration = .zero) async -> [MetricFamily] {
            let call = count.withLock { value in
                value += 1
                return value
            }
            try? await Task.sleep(for: takes)
            return [MetricFamily(name: "tether_gathering", kind: .gauge, help: "Which gathering.", samples: [MetricSample(suffix: "", labels: [], value: Double(call))])]
        }
    }

    @Test func scrapesWhileAGatheringRunsShareIt() async {
        let gatherer = CountingGatherer()
        let clock = TestClock()
        let endpoint = MetricsEndpoint(metrics: GatewayMetrics(), now: { clock.now }) { await gatherer.gather(takes: .milliseconds(100)) }
        let bodies = await withTaskGroup(of: String.self) { group in
            for _ in 0..<20 {
                group.addTask { String(decoding: await endpoint.handle(HTTPRequest(head: .sample(path: "/metrics"), body: [])).body, as: UTF8.self) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(gatherer.calls == 1)
        #expect(bodies.allSatisfy { $0.contains("tether_gathering 1") }, "\(bodies.first ?? "")")
    }

    @Test func oneGatheringAnswersEveryScrapeOfItsPeriodAndTheNextPeriodGathersAgain() async {
        let gatherer = CountingGatherer()
        let clock = TestClock()
        let cache = SharedGathering(period: MetricsEndpoint.cachePeriod, now: { clock.now }) { await gatherer.gather() }
        for _ in 0..<50 { _ = await cache.value() }
        #expect(gatherer.calls == 1)
        clock.advance(by: MetricsEndpoint.cachePeriod - .milliseconds(1))
        _ = await cache.value()
        #expect(gatherer.calls == 1)
        clock.advance(by: .milliseconds(1))
        let fresh = await cache.value()
        #expect(gatherer.calls == 2)
        #expect(fresh.first?.samples.first?.value == 2)
    }
}
