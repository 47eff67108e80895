#if canImport(Glibc)
import Glibc
#endif
import Wire
import WireRuntime
import WireTransport

/// `coordinator --data DIR --report jobs`: the running coordinator's unfinished jobs, a line each,
/// for `scripts/cluster status`. It asks over the coordinator's socket, as its own user's
/// `operator` peer, so it sees every org's jobs and nothing a tenant's token could not show them.
enum JobReport {
    /// Jobs a report lists at most, newest first.
    static let limit: UInt32 = 100
    /// How long it waits for the coordinator's answer.
    static let timeout: Duration = .seconds(5)

    /// The lines of the report; throws when no coordinator answers at `layout`'s socket.
    static func lines(layout: ClusterLayout, log: Log) async throws -> [String] {
        let loop = try EventLoop(name: "report-loop")
        loop.start()
        let list = try await Connection.connect(
            path: layout.coordinatorSocket, hello: Hello(role: .operator, pid: getpid()), loop: loop, delegate: Listener(), log: log
        ) { connection, _ in
            try await connection.call(ListUnfinishedJobs(limit: limit), as: OperatorCall.unfinishedJobs, timeout: timeout)
        }
        guard !list.documents.isEmpty else { return ["no job is running"] }
        return list.documents.map(line) + (list.next == nil ? [] : ["(the newest \(limit) shown)"])
    }

    /// One job: id, org, status, progress with its rate, and how many of its shards have finished.
    static func line(_ job: JobDocument) -> String {
        let counters = job.counters
        let total = job.totalKnown ? "\(counters.total)" : "?"
        let percent = job.totalKnown && counters.total > 0 ? " (\(counters.processed * 100 / counters.total)%)" : ""
        let rate = job.ratePerSecond.map { ", \(Int($0))/s" } ?? ""
        let finished = job.shards.filter(\.status.isFinished).count
        return "job \(job.jobId) of \(job.org): \(job.status), \(counters.processed) of \(total) processed\(percent)\(rate); "
            + "\(finished) of \(job.shards.count) shards done"
    }

    /// The report asks and listens to nothing else.
    private struct Listener: ConnectionDelegate {
        func answer(_ call: CallFrame, on connection: Connection) async -> Answer {
            .failure(RemoteFailure(.badRequest, "a report answers no requests"))
        }
        func received(_ notice: Notice, on connection: Connection) async {}
        func closed(_ connection: Connection, error: (any Error)?) async {}
    }
}
