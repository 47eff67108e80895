import Wire

/// One of every message the protocol has, with non-trivial field values.
enum MessageSamples {
    static let all: [Message] = [
        .hello(Hello(role: .shard, shardIndex: 3, pid: 4242)),
        .hello(Hello(role: .gateway, pid: Int32.max)),
        .welcome(Welcome(role: .coordinator, shardCount: 4)),
        .refusal(Refusal(reason: "shard 9 is outside this cluster's 0..<4 — ünïcode ok")),
        .request(correlation: 1, .clusterHealth),
        .request(correlation: UInt64.max, .ping),
        .response(correlation: 7, .clusterHealth(ClusterHealth(shards: [
            ShardHealth(index: 0, up: true, pid: 100, restarts: 0),
            ShardHealth(index: 1, up: false, pid: 0, restarts: 12),
        ]))),
        .response(correlation: 8, .clusterHealth(ClusterHealth(shards: []))),
        .response(correlation: 9, .pong(ShardStatus(index: 2, pid: 31337))),
        .response(correlation: 10, .failure(RemoteFailure(.notFound, "no job 1234"))),
        .notice(.heartbeat(sequence: 99)),
    ]

    /// Every sample framed back to back, after the preamble: a whole valid stream.
    static var stream: [UInt8] {
        ProtocolVersion.preamble + all.flatMap { Frame.encode($0) }
    }
}
