import Foundation
import TestSupport
import Testing

/// `GET /metrics` over a real cluster: the whole exposition parses as Prometheus' text format
/// 0.0.4, no label names a tenant, and the counters moved by what a real import and delete did.
@Suite(.serialized) struct MetricsEndToEndTests {
    /// One sample: its family's name with suffix, labels, value.
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    /// Parses the text strictly: every family announced by HELP and TYPE before its samples, each
    /// sample line `name{label="value",…} number`, histogram buckets cumulative up to +Inf = _count.
    static func parse(_ text: String) throws -> (types: [String: String], samples: [Sample]) {
        var types: [String: String] = [:]
        var helped: Set<String> = []
        var samples: [Sample] = []
        let line = try NSRegularExpression(pattern: #"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$"#)
        let label = try NSRegularExpression(pattern: #"([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)""#)
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let text = String(raw)
            if text.hasPrefix("# HELP ") {
                helped.insert(String(text.dropFirst(7).prefix { $0 != " " }))
                continue
            }
            if text.hasPrefix("# TYPE ") {
                let parts = text.dropFirst(7).split(separator: " ")
                try #require(parts.count == 2 && ["counter", "gauge", "histogram"].contains(String(parts[1])), "\(text)")
                try #require(helped.contains(String(parts[0])), "TYPE before HELP: \(text)")
                types[String(parts[0])] = String(parts[1])
                continue
            }
            let match = try #require(line.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), "not a sample line: \(text)")
            let name = String(text[Range(match.range(at: 1), in: text)!])
            let family = ["_bucket", "_sum", "_count"].reduce(name) { types[$0] == nil && $0.hasSuffix($1) ? String($0.dropLast($1.count)) : $0 }
            try #require(types[family] != nil, "a sample before its family's TYPE: \(text)")
            var labels: [String: String] = [:]
            if let range = Range(match.range(at: 2), in: text) {
                let inner = String(text[range])
                for found in label.matches(in: inner, range: NSRange(inner.startIndex..., in: inner)) {
                    labels[String(inner[Range(found.range(at: 1), in: inner)!])] = String(inner[Range(found.range(at: 2), in: inner)!])
                }
            }
            let valueText = String(text[Range(match.range(at: 3), in: text)!])
            let value = try #require(valueText == "+Inf" ? Double.infinity : Double(valueText), "not a number: \(text)")
            samples.append(Sample(name: name, labels: labels, value: value))
        }
        for (family, type) in types where type == "histogram" {
            var series: [String: [(le: Double, count: Double)]] = [:]
            for sample in samples where sample.name == family + "_bucket" {
                let key = sample.labels.filter { $0.key != "le" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                series[key, default: []].append((sample.labels["le"] == "+Inf" ? .infinity : Double(sample.labels["le"] ?? "") ?? -1, sample.value))
            }
            for (key, buckets) in series {
                #expect(buckets.map(\.le) == buckets.map(\.le).sorted() && buckets.last?.le == .infinity, "\(family){\(key)}: buckets out of order")
                #expect(buckets.map(\.count) == buckets.map(\.count).sorted(), "\(family){\(key)}: buckets not cumulative")
            }
        }
        return (types, samples)
    }

    private static func sum(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.reduce(0) { $0 + $1.value }
    }

    @Test func theWholeExpositionParsesAndItsCountersMoveWithARealDelete() throws {
        let (cluster, admin) = try TestCluster.seeded(shards: 2, contacts: 60)
        defer { cluster.stop() }
        let before = try cluster.get("/metrics")
        #expect(before.status == 200, "no token is needed")
        #expect(before.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let first = try Self.parse(before.body)
        #expect(Self.sum(first.samples, "tether_imported_records_total", ["kind": "contacts"]) == 60)
        #expect(Self.sum(first.samples, "tether_deleted_records_total") == 0)

        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        let job = try cluster.waitForJob(jobId, token: admin)
        let cascade = try #require(job["cascade"] as? [String: Any])

        // The cluster's figures are gathered at most once a second (MetricsEndpoint.cachePeriod):
        // a scrape a second after the first one sees the delete.
        usleep(1_100_000)
        let after = try Self.parse(try cluster.get("/metrics").body)
        let samples = after.samples
        for name in ["tether_http_requests_total", "tether_http_request_duration_seconds", "tether_http_open_connections",
                     "tether_event_stream_subscribers", "tether_event_stream_dropped_subscribers_total", "tether_coordinator_up", "tether_jobs",
                     "tether_shard_up", "tether_shard_restarts_total", "tether_coordinator_pending_slices", "tether_coordinator_requests_in_flight",
                     "tether_import_batches_total", "tether_imported_records_total", "tether_deleted_records_total",
                     "tether_deleted_cascade_rows_total", "tether_delete_batches_total", "tether_delete_batch_duration_seconds"] {
            #expect(after.types[name] != nil, "\(name) is missing")
        }
        #expect(Self.sum(samples, "tether_deleted_records_total") == 60)
        #expect(Set(samples.filter { $0.name == "tether_deleted_records_total" }.compactMap { $0.labels["shard"] }) == ["0", "1"])
        #expect(Self.sum(samples, "tether_deleted_cascade_rows_total", ["table": "messages"]) == Double(cascade["messages"] as? Int ?? -1))
        #expect(Self.sum(samples, "tether_delete_batches_total") >= 2)
        #expect(Self.sum(samples, "tether_delete_batch_duration_seconds_count") == Self.sum(samples, "tether_delete_batches_total"))
        #expect(Self.sum(samples, "tether_jobs", ["status": "completed"]) == 1)
        #expect(Self.sum(samples, "tether_shard_up") == 2)
        #expect(Self.sum(samples, "tether_coordinator_up") == 1)
        #expect(Self.sum(samples, "tether_http_requests_total", ["route": "/api/contacts/query-bulk-delete", "method": "DELETE", "status": "202"]) == 1)
        #expect(Self.sum(samples, "tether_http_requests_total", ["route": "/api/contacts/bulk-job/{jobId}", "status": "200"]) >= 1)
        #expect(Self.sum(samples, "tether_http_request_duration_seconds_count", ["route": "/api/contacts/import"]) == 1)
        // No tenant's identifiers: not the org, not the job, not a user, not a path with an id.
        for sample in samples {
            for value in sample.labels.values {
                #expect(!["org-a", jobId, "u1"].contains(where: { value.contains($0) }), "\(sample.name) labels a tenant: \(sample.labels)")
            }
        }
    }
}
