import Wire

/// Sends requests to the shards that own the data: one shard by contact id,
/// or every shard at once with the answers summed by the caller.
struct ShardRouter: Sendable {
    let map: PartitionMap
    let supervisor: ShardSupervisor
    /// How long a shard may take to answer a read or an import batch.
    static let shardTimeout: Duration = .seconds(30)

    /// Asks `shard`; a shard that is down answers `unavailable`.
    func ask(_ shard: Int, _ request: Request) async throws -> Response {
        guard let connection = await supervisor.connection(for: shard) else {
            throw RemoteFailure(.unavailable, "shard \(shard) is down (being restarted); retry shortly")
        }
        do {
            return try await connection.request(request, timeout: Self.shardTimeout)
        } catch let failure as RemoteFailure {
            throw failure
        } catch {
            throw RemoteFailure(.unavailable, "shard \(shard) did not answer: \(error); retry shortly")
        }
    }

    /// Asks every shard at once; throws the first failure.
    func askAll(_ request: Request) async throws -> [Response] {
        try await ask(Dictionary(uniqueKeysWithValues: (0..<map.ranges.count).map { ($0, request) }))
    }

    /// Tells every shard at once and waits for each to answer or fail; the shards that failed.
    func tellAll(_ request: Request) async -> [Int] {
        await withTaskGroup(of: Int?.self) { group in
            for shard in 0..<map.ranges.count {
                group.addTask { (try? await ask(shard, request)) == nil ? shard : nil }
            }
            var failed: [Int] = []
            for await shard in group { if let shard { failed.append(shard) } }
            return failed.sorted()
        }
    }

    /// Sends each shard its own request at once; the answers in shard order.
    func ask(_ requests: [Int: Request]) async throws -> [Response] {
        try await withThrowingTaskGroup(of: (Int, Response).self) { group in
            for (shard, request) in requests {
                group.addTask { (shard, try await ask(shard, request)) }
            }
            var answers: [(Int, Response)] = []
            for try await answer in group { answers.append(answer) }
            return answers.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
