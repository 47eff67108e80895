#if canImport(Glibc)
import Glibc
#endif
import WireRuntime

/// `POST /api/contacts/import`: NDJSON streamed through in batches, never held whole.
///
/// Lines are parsed as they arrive and sent to the coordinator in batches of
/// `batchRecords` or `batchBytes`, whichever comes first, with up to
/// `batchesInFlight` batches outstanding so parsing overlaps the shards'
/// writes. Each shard writes its part of a batch in one transaction. A bad
/// line is rejected by number and the good ones are kept. An import cut short
/// (`ImportProgress`) answers what it kept and the line to resume from.
struct ImportEndpoint: Sendable {
    let coordinator: CoordinatorClient
    let lineLimit: Int
    /// How long one batch may wait on the coordinator (`GatewayLimits.importBatchTimeout`).
    let batchTimeout: Duration
    /// Where each import is recorded: its counts and time, and the line it stopped at when it stopped early.
    let log: Log

    /// Records per batch. A batch is one frame, and a small tenant's request queued behind it on
    /// the gateway's or the coordinator's connection waits while it is encoded, sent and decoded,
    /// so smaller batches shorten other tenants' worst waits during an import at the same import
    /// rate (`scripts/bench fairness`; the figures in docs/benchmarks.md).
    static let batchRecords = 2_000
    /// Encoded bytes (`ImportBatch.bytes`) per batch at most: a batch
    /// travels as one wire frame, and contacts with long histories would
    /// otherwise outgrow `WireLimits.frameSize` (16 MiB) long before
    /// `batchRecords`. One record alone stays below the frame limit: a line of
    /// at most 1 MiB (`GatewayLimits.importLineBytes`) encodes to at most about
    /// 15 MiB, when it is nothing but empty messages (3 bytes of JSON, 44 encoded).
    static let batchBytes = 2 << 20
    static let batchesInFlight = 4
    /// Rejections listed in the answer; the total is always given.
    static let listedRejections = 1_000

    func handle(_ request: HTTPRequest, _ body: RequestBody, _ claims: Claims) async throws(APIError) -> HTTPResponse {
        let started = ContinuousClock.now
        let parsing = ImportParsing(lineLimit: lineLimit, now: Int64(time(nil)) * 1000)
        var batches = ImportBatchPipeline(coordinator: coordinator, org: claims.orgId, timeout: batchTimeout)
        var bodyEnded: (cause: APIError, firstUnendedLine: Int)?
        do {
            while !batches.progress.hasFailed, let piece = try await body.next() {
                for batch in await parsing.feed(piece) { await batches.send(batch) }
            }
            for batch in await parsing.finish() where !batches.progress.hasFailed { await batches.send(batch) }
        } catch {
            // The body limit, the idle deadline, or the client gone: the lines that ended are imported.
            bodyEnded = (error as? APIError ?? .invalidBody("the import body stopped arriving: \(error)"), await parsing.firstUnendedLine)
            for batch in await parsing.stop() { await batches.send(batch) }
        }
        await batches.drain()
        let (rejected, rejectedTotal) = await (parsing.rejected, parsing.rejectedTotal)
        let progress = batches.progress
        let stop = progress.stop(bodyEnded: bodyEnded, rejectedTotal: rejectedTotal)
        let line = progress.logLine(
            org: claims.orgId, requester: claims.subject, took: ContinuousClock.now - started, rejectedTotal: rejectedTotal, stop: stop)
        if stop == nil { log.info(line, org: claims.orgId) } else { log.warning(line, org: claims.orgId) }
        return progress.response(rejected: rejected, rejectedTotal: rejectedTotal, stop: stop)
    }
}
