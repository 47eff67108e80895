import Wire
import WireTransport

/// Makes the coordinator's calls of the shards that own the data: one shard by contact id,
/// or every shard at once with the replies merged by the caller.
struct ShardRouter: Sendable {
    let map: PartitionMap
    let supervisor: ShardSupervisor
    /// How long a shard may take to answer a read or an import batch.
    static let shardTimeout: Duration = .seconds(30)

    /// Asks `shard`; a shard that is down answers `unavailable`.
    func ask<C: CoordinatorCall.Member>(_ shard: Int, _ call: C) async throws -> C.Reply {
        guard let connection = await supervisor.connection(for: shard) else {
            throw RemoteFailure(.unavailable, "shard \(shard) is down (being restarted); retry shortly")
        }
        do {
            return try await connection.call(call, as: \.coordinatorCall, timeout: Self.shardTimeout)
        } catch let failure as RemoteFailure {
            throw failure
        } catch let error as ConnectionError where error.isUnreadableReply {
            // The shard answered, so it is up: a reply that does not read is a bug, not an outage.
            throw RemoteFailure(.internal, "shard \(shard): \(error)")
        } catch {
            throw RemoteFailure(.unavailable, "shard \(shard) did not answer: \(error); retry shortly")
        }
    }

    /// Asks every shard at once; throws the first failure.
    func askAll<C: CoordinatorCall.Member>(_ call: C) async throws -> [C.Reply] {
        try await ask(Dictionary(uniqueKeysWithValues: (0..<map.ranges.count).map { ($0, call) }))
    }

    /// Tells every shard at once and waits for each to answer or fail; the shards that failed.
    func tellAll<C: CoordinatorCall.Member>(_ call: C) async -> [Int] {
        await withTaskGroup(of: Int?.self) { group in
            for shard in 0..<map.ranges.count {
                group.addTask { (try? await ask(shard, call)) == nil ? shard : nil }
            }
            var failed: [Int] = []
            for await shard in group { if let shard { failed.append(shard) } }
            return failed.sorted()
        }
    }

    /// Makes each shard its own call at once; the replies in shard order.
    func ask<C: CoordinatorCall.Member>(_ calls: [Int: C]) async throws -> [C.Reply] {
        try await withThrowingTaskGroup(of: (Int, C.Reply).self) { group in
            for (shard, call) in calls {
                group.addTask { (shard, try await ask(shard, call)) }
            }
            var replies: [(Int, C.Reply)] = []
            for try await reply in group { replies.append(reply) }
            return replies.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
