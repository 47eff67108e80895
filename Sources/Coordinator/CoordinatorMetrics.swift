import Wire
import WireRuntime

/// What the coordinator counts for `GET /metrics`, and how it gathers the shards' figures
/// (each shard's under the label `shard`) into one answer for the gateway.
struct CoordinatorMetrics: Sendable {
    let metrics = Metrics()

    static let jobs = "tether_jobs"
    static let shardUp = "tether_shard_up"
    static let shardRestarts = "tether_shard_restarts_total"
    static let pendingSlices = "tether_coordinator_pending_slices"
    static let requestsInFlight = "tether_coordinator_requests_in_flight"
    static let importBatches = "tether_import_batches_total"
    static let importedRecords = "tether_imported_records_total"

    init() {
        metrics.declare(Self.jobs, .gauge, help: "Bulk-delete jobs the registry holds (finished ones for 24 hours), by status.")
        metrics.declare(Self.shardUp, .gauge, help: "1 when the shard and its storage answer a ping, else 0.")
        metrics.declare(Self.shardRestarts, .counter, help: "Times the supervisor started the shard again since the coordinator started.")
        metrics.declare(Self.pendingSlices, .gauge, help: "Slices of unfinished jobs still to run or to stop: the coordinator's work queue.")
        metrics.declare(Self.requestsInFlight, .gauge, help: "Requests the coordinator is answering now.")
        metrics.declare(Self.importBatches, .counter, help: "Import batches written across the shards.")
        metrics.declare(Self.importedRecords, .counter, help: "Rows imported, by kind (contacts, applications, conversations, messages).")
    }

    func imported(_ counts: ImportCounts) {
        metrics.add(Self.importBatches)
        for (kind, count) in [("contacts", counts.contacts), ("applications", counts.applications), ("conversations", counts.conversations),
                              ("messages", counts.messages)] {
            metrics.add(Self.importedRecords, Double(count), labels: ["kind": kind])
        }
    }

    /// The figures now: the coordinator's (its gauges read fresh) and every shard's that answers.
    func gather(supervisor: ShardSupervisor, registry: JobRegistry, router: ShardRouter) async -> [MetricFamily] {
        let health = await supervisor.health()
        for shard in health.shards {
            let label = ["shard": "\(shard.index)"]
            metrics.set(Self.shardUp, shard.up ? 1 : 0, labels: label)
            metrics.set(Self.shardRestarts, Double(shard.restarts), labels: label)
        }
        let counts = await registry.statusCounts()
        for status in JobDocument.Status.allCases { metrics.set(Self.jobs, Double(counts[status] ?? 0), labels: ["status": "\(status)"]) }
        metrics.set(Self.pendingSlices, Double(await registry.pendingWork().reduce(0) { $0 + $1.shards.count }))
        let shardFamilies = await withTaskGroup(of: [MetricFamily].self) { group in
            for shard in health.shards where shard.up {
                group.addTask {
                    guard case .metrics(let families) = try? await router.ask(Int(shard.index), .metrics) else { return [] }
                    return families.map { $0.labelled(MetricLabel("shard", "\(shard.index)")) }
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        return MetricFamily.merged(metrics.snapshot() + shardFamilies)
    }
}
