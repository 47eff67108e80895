import Wire
import WireRuntime

/// Tells the shards to purge what each restorable delete kept once its restore window has
/// ended (`JobRegistry.startPurges`), and marks the delete purged once every shard has answered
/// true: the shard has then recorded the purge durably and runs it in the background.
///
/// A round every `interval`; a shard that failed (down, restarting, its link dropped) is asked
/// again on the next round, the shards that already answered are not. After a restart of the
/// coordinator every shard is asked again: a repeated request is harmless.
///
/// ```
/// round:   │ ask 0 1 2 3 │        │ ask 2 │        │ ask 2 │
///          │  ✓ ✓ ✗ ✓    │        │  ✗    │        │  ✓    │ → purged
///          ◀── interval ─▶
/// ```
actor PurgeSchedule {
    /// Asks shard `shard` to purge what delete `jobId` kept; true once recorded.
    typealias Purge = @Sendable (_ shard: Int, _ jobId: String) async throws -> Bool

    private let registry: JobRegistry
    private let shardCount: Int
    private let purge: Purge
    private let clock: any ProcessClock
    private let log: Log
    /// Each delete being purged: the shards that have answered true.
    private var answered: [String: Set<Int>] = [:]
    /// Each delete's shards whose failure was logged: logged once until they answer, not every round.
    private var failing: [String: Set<Int>] = [:]

    /// Often enough that a window of a few seconds ends in a purge a moment later; each round
    /// only reads the registry unless something is due.
    static let interval: Duration = .seconds(1)

    init(registry: JobRegistry, shardCount: Int, clock: any ProcessClock, log: Log, purge: @escaping Purge) {
        self.registry = registry
        self.shardCount = shardCount
        self.clock = clock
        self.log = log
        self.purge = purge
    }

    /// A round every `interval` until cancelled (a service of the coordinator), each at the
    /// `wallClock`'s epoch milliseconds (the documents' time; a test gives its own).
    func run(wallClock: @Sendable () -> Int64 = JobRegistry.now) async {
        await clock.every(Self.interval) { await round(now: wallClock()) }
    }

    /// Asks every shard that has not yet answered for each delete due at `now` (epoch ms);
    /// returns the deletes marked purged in this round.
    @discardableResult
    func round(now: Int64) async -> [String] {
        let due = await registry.startPurges(now: now)
        // Re-read after the await: only the deletes due now are worth remembering.
        let dueIds = Set(due.map(\.jobId))
        answered = answered.filter { dueIds.contains($0.key) }
        failing = failing.filter { dueIds.contains($0.key) }
        var purged: [String] = []
        for delete in due {
            let jobId = delete.jobId
            let asked = (0..<shardCount).filter { !answered[jobId, default: []].contains($0) }
            let failures = await ask(asked, jobId)
            answered[jobId, default: []].formUnion(Set(asked).subtracting(failures.keys))
            report(failures, of: delete)
            guard answered[jobId]?.count == shardCount else { continue }
            do {
                try await registry.purged(jobId)
                answered[jobId] = nil
                purged.append(jobId)
                let name = JobLifecycle.name(delete)
                log.info("\(name): every shard was told to purge what it kept (its restore window ended)", job: jobId, org: delete.org)
            } catch {
                // Asked again next round: the shards answer a repeated request as the first.
                log.error("\(JobLifecycle.name(delete)): saving it as purged: \(error); trying again", job: jobId, org: delete.org)
            }
        }
        return purged
    }

    /// Asks `shards` at once; why each that did not answer true failed (nothing: all did).
    private func ask(_ shards: [Int], _ jobId: String) async -> [Int: String] {
        await withTaskGroup(of: (Int, String?).self) { group in
            for shard in shards {
                group.addTask { [purge] in
                    do {
                        return (shard, try await purge(shard, jobId) ? nil : "it did not record the purge")
                    } catch {
                        return (shard, "\(error)")
                    }
                }
            }
            var failures: [Int: String] = [:]
            for await (shard, failure) in group { if let failure { failures[shard] = failure } }
            return failures
        }
    }

    /// Logs a shard's failure for `delete` when it starts failing, not at every round while a
    /// shard stays down; a shard that answered is forgotten.
    private func report(_ failures: [Int: String], of delete: JobDocument) {
        let jobId = delete.jobId
        for (shard, reason) in failures.sorted(by: { $0.key < $1.key }) where !failing[jobId, default: []].contains(shard) {
            log.warning(
                "\(JobLifecycle.name(delete)): shard \(shard) did not take the purge of what it kept (\(reason)); "
                    + "asking it again every \(Self.interval)", job: jobId, org: delete.org)
        }
        failing[jobId] = Set(failures.keys)
    }
}
