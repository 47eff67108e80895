import Synchronization
import Wire

/// The gateway's copy of job documents, so that a poll is answered without
/// asking the coordinator, which pushes every saved change of every job to
/// every gateway (in `Notice.events`, as `bulk_job_progress` events).
///
/// Why a copy is never older than it may be:
/// - Of two copies, the higher `revision` wins, whatever order they arrive in.
/// - A finished job never changes again, so its copy is served for
///   `finishedFreshFor` after it was last fetched: long enough to spare the
///   coordinator, short enough that a job it has since forgotten (after 24 h)
///   stops being served within a minute.
/// - An unfinished job's copy is served only for `freshFor` after it was last
///   confirmed (pushed or fetched). Pushes arrive with every batch a shard
///   commits, so a running job stays cached. A copy that missed a push, which
///   can only happen while the link drops, is asked for again within that time.
/// - A copy that shows until when a delete can be restored is not served from then on: the
///   document does not change when the window ends, what it shows does (null).
/// - When the link to the coordinator drops, everything is forgotten.
///
/// Bounded by the bytes of rendered JSON it holds; least recently used go first.
final class JobCache: Sendable {
    /// A served answer: the job's org and its document as the API renders it.
    struct Hit: Equatable {
        let org: String
        let json: String
    }

    private struct Entry {
        let org: String
        let revision: UInt64
        let finished: Bool
        let json: String
        /// The wall-clock epoch ms from which `json` no longer holds: the `restorableUntil` it shows.
        let shownUntil: Int64?
        var confirmedAt: ContinuousClock.Instant
        var lastUsed: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    /// How long an unfinished job's copy is served without a push or a fetch confirming it.
    static let freshFor: Duration = .seconds(1)
    /// How long a finished job's copy is served before the coordinator is asked again.
    static let finishedFreshFor: Duration = .seconds(60)
    /// Rendered JSON kept at most; past it, the least recently used copies go until a quarter is free.
    static let standardCapacityBytes = 32 << 20

    private let capacityBytes: Int
    private let state = Mutex(State())

    init(capacityBytes: Int = JobCache.standardCapacityBytes) {
        self.capacityBytes = capacityBytes
    }

    /// The copy of `jobId` to serve at `now` (and `wallClock`, epoch ms), or nil when the coordinator must be asked.
    func lookup(_ jobId: String, at now: ContinuousClock.Instant = .now, wallClock: Int64 = JobJSON.now()) -> Hit? {
        state.withLock { state in
            guard var entry = state.entries[jobId] else { return nil }
            guard entry.confirmedAt.duration(to: now) <= (entry.finished ? Self.finishedFreshFor : Self.freshFor) else { return nil }
            if let until = entry.shownUntil, until <= wallClock { return nil }
            state.clock += 1
            entry.lastUsed = state.clock
            state.entries[jobId] = entry
            return Hit(org: entry.org, json: entry.json)
        }
    }

    /// Keeps `document` unless a newer revision is already kept; returns its rendered JSON either way.
    @discardableResult
    func store(_ document: JobDocument, at now: ContinuousClock.Instant = .now, wallClock: Int64 = JobJSON.now()) -> String {
        let json = JobJSON.render(document, at: wallClock)
        state.withLock { state in
            // The same revision again confirms the copy, rendered anew: a delete's window may have ended since.
            if let kept = state.entries[document.jobId], kept.revision > document.revision { return }
            state.clock += 1
            let entry = Entry(
                org: document.org, revision: document.revision, finished: document.status.isFinished, json: json,
                shownUntil: JobJSON.restorableUntil(document, at: wallClock), confirmedAt: now,
                lastUsed: state.clock)
            state.bytes += json.utf8.count - (state.entries.updateValue(entry, forKey: document.jobId)?.json.utf8.count ?? 0)
            if state.bytes > capacityBytes { Self.evict(&state, downTo: capacityBytes * 3 / 4) }
        }
        return json
    }

    /// Forgets the copy of `jobId`, so that the next poll asks the coordinator: a request of this
    /// gateway has just changed that job (a restore sets its delete's `restoredBy`), and a finished
    /// job's copy would otherwise be served as it was for up to `finishedFreshFor`.
    func forget(_ jobId: String) {
        state.withLock { state in
            state.bytes -= state.entries.removeValue(forKey: jobId)?.json.utf8.count ?? 0
        }
    }

    /// Forgets everything: the pushes that keep copies current have stopped.
    func clear() {
        state.withLock { $0 = State() }
    }

    private static func evict(_ state: inout State, downTo target: Int) {
        for (jobId, entry) in state.entries.sorted(by: { $0.value.lastUsed < $1.value.lastUsed }) {
            guard state.bytes > target else { return }
            state.entries[jobId] = nil
            state.bytes -= entry.json.utf8.count
        }
    }
}
