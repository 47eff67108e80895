import Wire

/// Keeps up to `ImportEndpoint.batchesInFlight` import batches outstanding and settles their
/// answers in the order they were sent, so that the line an import stops at is exact.
struct ImportBatchPipeline {
    let coordinator: CoordinatorClient
    let org: String
    let timeout: Duration
    private(set) var progress = ImportProgress()
    private var inFlight: [(batch: ImportParsing.Batch, answer: Task<Result<ImportCounts, APIError>, Never>)] = []

    init(coordinator: CoordinatorClient, org: String, timeout: Duration) {
        self.coordinator = coordinator
        self.org = org
        self.timeout = timeout
    }

    /// Sends `batch` once fewer than `batchesInFlight` are outstanding; nothing once a batch has
    /// failed, since the import stops at that batch's first line.
    mutating func send(_ batch: ImportParsing.Batch) async {
        if inFlight.count >= ImportEndpoint.batchesInFlight { await settleOldest() }
        guard !progress.hasFailed else { return }
        let (coordinator, org, timeout) = (coordinator, org, timeout)
        inFlight.append((batch, Task {
            do throws(APIError) {
                return .success(try await coordinator.send(ImportRecords(org: org, records: batch.records, version: 0), timeout: timeout))
            } catch {
                return .failure(error)
            }
        }))
    }

    /// Waits for every batch in flight: the counts are exact only once all are answered.
    mutating func drain() async {
        while !inFlight.isEmpty { await settleOldest() }
    }

    private mutating func settleOldest() async {
        let (batch, answer) = inFlight.removeFirst()
        progress.settle(batch, await answer.value)
    }
}
