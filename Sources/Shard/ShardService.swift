import StorageDriver
import Wire
import WireTransport

/// Answers the coordinator's requests to this shard.
struct ShardService: ConnectionDelegate {
    let index: Int
    let pid: Int32
    let store: any PartitionStore
    let readers: any PartitionReads
    let runner: DeleteRunner
    let metrics: ShardMetrics

    func handle(_ request: Request, on connection: Connection) async -> Response {
        do {
            switch request {
            case .ping:
                return .pong(ShardStatus(index: UInt32(index), pid: pid, storageReachable: store.storageReachable))
            case .importRecords(let org, let batch, let version):
                let records = try await store.records(of: batch)
                return .imported(try await store.importAll(org: org, records, version: version))
            case .countMatching(let org, let filter):
                return .count(try await readers.count(org: org, filter: filter))
            case .contact(let org, let id):
                return .contact(try await readers.contact(org: org, id: id))
            case .stats(let org):
                return .stats(try await readers.stats(org: org))
            case .contactGroups(let org, let by):
                return .contactGroups(try await readers.groups(org: org, by: by))
            case .deleteSlice(let assignment):
                return .sliceProgress(await runner.start(assignment, reportingTo: connection))
            case .cancelSlice(let jobId):
                // Running here: it stops at its next batch and reports that itself.
                if await runner.cancel(jobId) { return .sliceProgress(try await store.cancelProgress(jobId)) }
                return .sliceProgress(try await store.cancelSlice(jobId))
            case .logPage(let query):
                // The coordinator sends each shard its own position, and asks for one more than a page.
                return .logPage(try await readers.logPage(query, after: query.after.first ?? 0, limit: Int(query.limit)))
            case .queryRecords(let query):
                return .records(try await readers.records(query))
            case .metrics:
                return .metrics(metrics.metrics.snapshot())
            case .rethrottleSlice(let jobId, let recordsPerSecond):
                return .count(await runner.rethrottle(jobId, recordsPerSecond: recordsPerSecond) ? 1 : 0)
            case .clusterHealth, .createDeleteJob, .job, .listJobs, .cancelJob, .publishEvents, .events, .rethrottleJob, .unfinishedJobs:
                return .failure(RemoteFailure(.badRequest, "`\(caseName(of: request))` is the coordinator's to answer, not shard \(index)'s"))
            }
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
