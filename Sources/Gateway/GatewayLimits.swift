/// Every bound the gateway enforces, named in one place.
struct GatewayLimits: Sendable, Equatable {
    /// Parser limits: header bytes (16 KiB), header count, default body size (1 MiB).
    var http = HTTPLimits.standard
    /// The body of `POST /api/contacts/import`, streamed, never held whole.
    var importBodyBytes = 256 << 20
    /// One NDJSON line of an import; a longer line is rejected by number.
    var importLineBytes = 1 << 20
    /// Open client connections; one more is answered 503 and closed.
    var maxConnections = 10_000
    /// A keep-alive connection idle this long is closed.
    var idleTimeout: Duration = .seconds(60)
    /// A request whose head and body have not fully arrived by then is answered 408.
    var requestTimeout: Duration = .seconds(30)
    /// A streamed body (an import) from which nothing arrives for this long,
    /// while the gateway is ready to read, is answered 408 and closed.
    var bodyIdleTimeout: Duration = .seconds(30)
    /// Reads (counts, queries, stats, log pages, contact lookups) one org may make a second → 429.
    var readsPerSecond = ReadRate.standardPerSecond
    /// How long a request may wait on the coordinator.
    var coordinatorTimeout: Duration = .seconds(5)
    /// How long one import batch may wait on the coordinator: on a busy cluster a batch (usually at
    /// most 2 MiB) waits for those in flight ahead of it and for the shards' writers, which give way
    /// to reads; failing the whole import after 5 s of that left tenants half imported.
    var importBatchTimeout: Duration = .seconds(60)

    static let standard = GatewayLimits()
}
