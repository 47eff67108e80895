import Testing
@testable import Gateway
import Wire

@Suite struct PrometheusTextTests {
    @Test func writesHelpTypeAndSamplesWithEscapedLabelValues() {
        let families = [
            MetricFamily(name: "tether_http_requests_total", kind: .counter, help: "Requests, by route\\template.\nSecond line.", samples: [
                MetricSample(suffix: "", labels: [MetricLabel("route", "/api/contacts/{id}"), MetricLabel("status", "200")], value: 12),
                MetricSample(suffix: "", labels: [MetricLabel("route", "a\"b\\c\nd")], value: 0.25),
            ]),
            MetricFamily(name: "tether_batch_seconds", kind: .histogram, help: "Batches.", samples: [
                MetricSample(suffix: "_bucket", labels: [MetricLabel("le", "0.1")], value: 1),
                MetricSample(suffix: "_bucket", labels: [MetricLabel("le", "+Inf")], value: 2),
                MetricSample(suffix: "_sum", labels: [], value: 0.35),
                MetricSample(suffix: "_count", labels: [], value: 2),
            ]),
            MetricFamily(name: "tether_jobs", kind: .gauge, help: "Jobs.", samples: []),
        ]
        #expect(PrometheusText.render(families) == """
            # HELP tether_http_requests_total Requests, by route\\\\template.\\nSecond line.
            # TYPE tether_http_requests_total counter
            tether_http_requests_total{route="/api/contacts/{id}",status="200"} 12
            tether_http_requests_total{route="a\\"b\\\\c\\nd"} 0.25
            # HELP tether_batch_seconds Batches.
            # TYPE tether_batch_seconds histogram
            tether_batch_seconds_bucket{le="0.1"} 1
            tether_batch_seconds_bucket{le="+Inf"} 2
            tether_batch_seconds_sum 0.35
            tether_batch_seconds_count 2
            # HELP tether_jobs Jobs.
            # TYPE tether_jobs gauge

            """)
    }

    @Test func aRequestIsLabelledByItsRouteTemplateNeverItsPath() {
        var router = Router()
        router.add("GET", "/api/contacts/stats") { _ in HTTPResponse(status: 200) }
        router.add("GET", "/api/contacts/{id}") { _ in HTTPResponse(status: 200) }
        func pattern(_ method: String, _ path: String) -> String? {
            guard case .found(_, _, _, let pattern, _) = router.resolve(method: method, path: path) else { return nil }
            return pattern
        }
        #expect(pattern("GET", "/api/contacts/aaaaaaaaaaaaaaaaaaaaaaa1") == "/api/contacts/{id}")
        #expect(pattern("GET", "/api/contacts/stats") == "/api/contacts/stats")
        #expect(pattern("POST", "/api/contacts/stats") == nil)
        #expect(pattern("GET", "/nowhere") == nil)
    }
}
