import Foundation
import Wire
import WireRuntime

/// Every socket event of the cluster, kept for the replay window in its
/// `EventStorage` (`DIR/events.db`, or a PostgreSQL database), so that
/// `Last-Event-ID` replays what a subscriber missed across a restart of the
/// gateway or of the coordinator.
///
/// A shard's events are logged before the shard is told it may forget them
/// (at-least-once); an event delivered twice keeps the place it got the first
/// time, (shard, seq) being unique. Each event's `seq` is its id: unique,
/// ordered, the same for every subscriber. Job documents are logged too, as
/// `bulk_job_progress` events, so their ids are of the same order.
///
/// Runs on its own thread (a `ThreadExecutor`), so appending never takes a
/// cooperative-pool thread; every append is handed, in order, to `onAppend`.
actor EventLog {
    private let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let storage: any EventStorage
    private let onAppend: @Sendable ([LoggedEvent]) -> Void
    /// The events kept of each org at most (`standardMaxEventsPerOrg`, smaller in tests).
    let maxEventsPerOrg: Int64
    /// The orgs that logged events since the last prune: only they can have grown past
    /// `maxEventsPerOrg`, so only they are trimmed. Nil until the first prune after a start,
    /// which does not know what was logged before it, and so trims every org.
    private var grown: Set<String>?

    /// How long an event stays replayable.
    static let retention: Duration = .seconds(3_600)
    /// How many events of one org the log keeps at most, whatever their age. Per org, so
    /// one tenant's large job never pushes another tenant's events out of the replay window.
    static let standardMaxEventsPerOrg: Int64 = 1_000_000

    private enum Kind: Int64 {
        case contactRemoved = 1
        case jobProgress = 2
        case contactRestored = 3

        /// The kind a contact's event body is logged as.
        init(_ body: LoggedEvent.Body) {
            switch body {
            case .contactRemoved: self = .contactRemoved
            case .jobProgress: self = .jobProgress
            case .contactRestored: self = .contactRestored
            }
        }
    }

    /// The log in the SQLite file at `path`.
    init(path: String, maxEventsPerOrg: Int64 = EventLog.standardMaxEventsPerOrg, onAppend: @escaping @Sendable ([LoggedEvent]) -> Void = { _ in }) throws {
        try self.init(storage: SQLiteEventStorage(path: path), maxEventsPerOrg: maxEventsPerOrg, onAppend: onAppend)
    }

    init(
        storage: any EventStorage, maxEventsPerOrg: Int64 = EventLog.standardMaxEventsPerOrg,
        onAppend: @escaping @Sendable ([LoggedEvent]) -> Void = { _ in }
    ) {
        precondition(maxEventsPerOrg > 0, "the replay window must keep events")  // configuration bug
        self.storage = storage
        self.maxEventsPerOrg = maxEventsPerOrg
        self.onAppend = onAppend
        executor = ThreadExecutor(name: "event-log")
    }

    deinit { executor.shutdown() }

    /// Logs a shard's published events in one transaction; ones logged before keep their place.
    /// None is logged when one is of a type this build does not know (`LoggedEvent.Body.contact`).
    @discardableResult
    func append(_ events: [OutboxEvent]) throws -> [LoggedEvent] {
        let now = Self.now()
        // Each logged as the event its shard published: a restore's contact_restored stays one.
        let bodies = try events.map { try LoggedEvent.Body.contact(type: $0.type, json: $0.payload) }
        let seqs = try storage.append(zip(events, bodies).map { event, body in
            EventRow(org: event.org, kind: Kind(body).rawValue, origin: (event.shard, event.seq), payload: Array(event.payload.utf8), createdAt: now)
        })
        let logged = zip(zip(events, bodies), seqs).map { pair, seq in LoggedEvent(seq: seq, org: pair.0.org, body: pair.1) }
        // A batch is mostly one org's: hash an org only where it changes.
        var previous: String?
        for event in events where event.org != previous {
            grown?.insert(event.org)
            previous = event.org
        }
        onAppend(logged)
        return logged
    }

    /// Logs a job's changed document as a `bulk_job_progress` event.
    @discardableResult
    func append(progressOf document: JobDocument) throws -> LoggedEvent {
        let row = EventRow(org: document.org, kind: Kind.jobProgress.rawValue, origin: nil, payload: document.storedBytes, createdAt: Self.now())
        guard let seq = try storage.append([row]).first else { throw RemoteFailure(.internal, "the event log gave a job's progress no id") }
        let logged = LoggedEvent(seq: seq, org: document.org, body: .jobProgress(document))
        grown?.insert(document.org)
        onAppend([logged])
        return logged
    }

    /// `org`'s events after `after` (nil: from the oldest kept), oldest first, at most `limit`; and the log's head.
    func events(org: String, after: UInt64?, limit: Int) throws -> EventPage {
        var events: [LoggedEvent] = []
        if limit > 0 {
            for row in try storage.page(org: org, after: Int64(clamping: after ?? 0), limit: limit) {
                switch Kind(rawValue: row.kind) {
                case .contactRemoved: events.append(LoggedEvent(seq: row.seq, org: org, body: .contactRemoved(json: String(decoding: row.payload, as: UTF8.self))))
                case .contactRestored: events.append(LoggedEvent(seq: row.seq, org: org, body: .contactRestored(json: String(decoding: row.payload, as: UTF8.self))))
                case .jobProgress: events.append(LoggedEvent(seq: row.seq, org: org, body: .jobProgress(try JobDocument(storedBytes: row.payload))))
                case nil: continue  // a kind a newer build logged: not ours to show
                }
            }
        }
        return EventPage(events: events, head: try storage.head())
    }

    /// Forgets events older than `retention`, and each org's oldest beyond `maxEventsPerOrg`; how many went.
    @discardableResult
    func prune(now: Int64) throws -> Int {
        var removed = try storage.prune(createdBefore: now - Int64(Self.retention.components.seconds) * 1000)
        let orgs = try grown ?? Set(storage.orgs())
        for org in orgs { removed += try storage.trim(org: org, keeping: maxEventsPerOrg) }
        // Only now: a trim that failed is tried again at the next prune.
        grown = []
        return removed
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
