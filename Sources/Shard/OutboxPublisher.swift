import Wire
import WireRuntime
import WireTransport

/// Hands committed outbox events to the coordinator and deletes them only
/// once it has acknowledged them, which it does once they are in its durable
/// event log: at-least-once, never before commit.
actor OutboxPublisher {
    private let store: any PartitionStore
    private let log: Log
    private var link: PeerLink?
    private var draining = false
    private var drainAgain = false

    /// Events per publish request.
    static let batchSize = 1_000

    init(store: any PartitionStore, log: Log) {
        self.store = store
        self.log = log
    }

    func attach(_ link: PeerLink) { self.link = link }

    /// Publishes until the outbox is empty; a call during a drain makes it go round once more.
    func drain() async {
        guard !draining else {
            drainAgain = true
            return
        }
        draining = true
        defer { draining = false }
        repeat {
            drainAgain = false
            while await publishBatch() {}
        } while drainAgain
    }

    /// One batch; false when the outbox is empty or the coordinator is unreachable (a later drain retries).
    private func publishBatch() async -> Bool {
        do {
            let events = try await store.outbox(limit: Self.batchSize)
            guard let last = events.last, let link else { return false }
            _ = try await link.call(PublishEvents(events), as: ShardCall.publishEvents)
            // Acknowledged, so durable in the coordinator's event log: only now may they leave the outbox.
            try await store.removeFromOutbox(through: last.seq)
            return events.count == Self.batchSize
        } catch {
            log.warning("publishing outbox events: \(error); retrying later")
            return false
        }
    }
}
