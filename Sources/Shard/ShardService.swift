import StorageDriver
import Wire
import WireTransport

/// Answers the coordinator's calls of this shard, and refuses any other family's.
struct ShardService: ConnectionDelegate {
    let index: Int
    let pid: Int32
    let store: any PartitionStore
    let readers: any PartitionReads
    let runner: SliceRunner
    let metrics: ShardMetrics
    let purges: PurgeLoop

    func answer(_ frame: CallFrame, on connection: Connection) async -> Answer {
        do {
            switch try frame.open(as: CoordinatorCall.self, by: "shard \(index)") {
            case .ping(let call):
                return call.answer(ShardStatus(index: UInt32(index), pid: pid, storageReachable: store.storageReachable))
            case .importRecords(let call):
                let records = try await store.records(of: call.records)
                return call.answer(try await store.importAll(org: call.org, records, version: call.version))
            case .countMatching(let call):
                return call.answer(try await readers.count(org: call.org, filter: call.filter))
            case .contact(let call):
                return call.answer(try await readers.contact(org: call.org, id: call.id))
            case .stats(let call):
                return call.answer(try await readers.stats(org: call.org))
            case .contactGroups(let call):
                return call.answer(try await readers.groups(org: call.org, by: call.by))
            case .runSlice(let assignment):
                return assignment.answer(try await runner.start(assignment, reportingTo: connection))
            case .cancelSlice(let call):
                // Running here: it stops at its next batch and reports that itself.
                if await runner.cancel(call.jobId) { return call.answer(try await store.cancelProgress(call.jobId)) }
                return call.answer(try await store.cancelSlice(call.jobId))
            case .logPage(let query):
                // The coordinator sends each shard its own position, and asks for one more than a page.
                return query.answer(try await readers.logPage(query, after: query.after.first ?? 0, limit: Int(query.limit)))
            case .queryRecords(let query):
                return query.answer(try await readers.records(query))
            case .metrics(let call):
                return call.answer(metrics.metrics.snapshot())
            case .rethrottleSlice(let call):
                return call.answer(await runner.rethrottle(call.jobId, recordsPerSecond: call.recordsPerSecond))
            case .purgeKept(let call):
                // Recorded durably before the answer: the coordinator asks again until every shard has.
                try await store.requestPurge(call.jobId)
                purges.wake()
                return call.answer(true)
            }
        } catch let failure as RemoteFailure {
            return .failure(failure)
        } catch let error as any StorageFailure where error.fault == .connection {
            return .failure(RemoteFailure(.unavailable, "shard \(index): its database server does not answer (\(error)); try again shortly"))
        } catch let error as StoreError {
            if case .readBudgetExceeded = error { return .failure(RemoteFailure(.unavailable, "shard \(index): \(error)")) }
            return .failure(RemoteFailure(.internal, "shard \(index): \(error)"))
        } catch {
            return .failure(RemoteFailure(.internal, "shard \(index): \(error)"))
        }
    }

    func received(_ notice: Notice, on connection: Connection) async {}

    func closed(_ connection: Connection, error: (any Error)?) async {}
}
