#if canImport(Glibc)
import Glibc
#endif
import Wire

/// `POST /api/contacts/import`: NDJSON streamed through in batches, never held whole.
///
/// Lines are parsed as they arrive and sent to the coordinator in batches of
/// `batchRecords` or `batchBytes`, whichever comes first, with up to
/// `batchesInFlight` batches outstanding so parsing overlaps the shards'
/// writes. Each shard writes its part of a batch in one transaction. A bad
/// line is rejected by number and the good ones are kept.
struct ImportEndpoint: Sendable {
    let coordinator: CoordinatorClient
    let lineLimit: Int
    /// How long one batch may wait on the coordinator (`GatewayLimits.importBatchTimeout`).
    let batchTimeout: Duration

    /// Records per batch. A batch is one frame, and a small tenant's request queued behind it on
    /// the gateway's or the coordinator's connection waits while it is encoded, sent and decoded:
    /// with batches of 8,000 records and 8 MiB the other tenant's p99 during an import was 108 ms,
    /// with 2,000 and 2 MiB 67 ms, for the same import rate (`scripts/bench fairness`, docs/benchmarks.md).
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
        let parsing = ImportParsing(lineLimit: lineLimit, now: Int64(time(nil)) * 1000)
        var batches = BatchPipeline(coordinator: coordinator, org: claims.orgId, timeout: batchTimeout)
        do {
            while let piece = try await body.next() {
                for batch in await parsing.feed(piece) { try await batches.send(batch) }
            }
            for batch in await parsing.finish() { try await batches.send(batch) }
            try await batches.drain()
        } catch let error as APIError {
            throw error
        } catch let failure as ImportFailure {
            throw .remote(RemoteFailure(failure.cause.kind, """
                Import stopped: \(failure.cause.message). Lines before \(failure.firstLine) were imported; \
                re-import from line \(failure.firstLine) (re-importing an id replaces it, so repeating lines is safe).
                """))
        } catch {
            throw .invalidBody("reading the import body failed: \(error)")
        }
        let counts = batches.counts
        let (rejected, rejectedTotal) = await (parsing.rejected, parsing.rejectedTotal)
        let rejections = rejected.map { "{\"line\":\($0.line),\"error\":\(JSONText.quoted($0.error))}" }.joined(separator: ",")
        return .json(200, """
            {"imported":{"contacts":\(counts.contacts),"applications":\(counts.applications),"conversations":\(counts.conversations),\
            "messages":\(counts.messages)},"rejected":[\(rejections)],"rejectedTotal":\(rejectedTotal)}
            """)
    }
}

/// A batch the coordinator could not write, and the first line it held.
struct ImportFailure: Error {
    let cause: RemoteFailure
    let firstLine: Int
}

/// Keeps up to `ImportEndpoint.batchesInFlight` import batches outstanding and sums their counts.
private struct BatchPipeline {
    let coordinator: CoordinatorClient
    let org: String
    let timeout: Duration
    private(set) var counts = ImportCounts()
    private var inFlight: [Task<ImportCounts, any Error>] = []

    init(coordinator: CoordinatorClient, org: String, timeout: Duration) {
        self.coordinator = coordinator
        self.org = org
        self.timeout = timeout
    }

    mutating func send(_ batch: ImportParsing.Batch) async throws {
        if inFlight.count >= ImportEndpoint.batchesInFlight { try await collectOldest() }
        let records = batch.records
        let firstLine = batch.firstLine
        let coordinator = coordinator
        let org = org
        let timeout = timeout
        inFlight.append(Task {
            do throws(APIError) {
                guard case .imported(let counts) = try await coordinator.send(.importRecords(org: org, records: records, version: 0), timeout: timeout) else {
                    throw APIError.internalError("the coordinator answered an import batch with something else")
                }
                return counts
            } catch {
                if case .remote(let failure) = error { throw ImportFailure(cause: failure, firstLine: firstLine) }
                if case .coordinatorUnavailable(let reason) = error {
                    throw ImportFailure(cause: RemoteFailure(.unavailable, "the coordinator cannot be reached (\(reason))"), firstLine: firstLine)
                }
                throw error
            }
        })
    }

    mutating func drain() async throws {
        while !inFlight.isEmpty { try await collectOldest() }
    }

    private mutating func collectOldest() async throws {
        let oldest = inFlight.removeFirst()
        counts = counts + (try await oldest.value)
    }
}
