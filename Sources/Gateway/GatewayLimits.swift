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
    /// Open client connections from one peer address; one more is answered 429 and closed. A
    /// twentieth of `maxConnections`, so one address cannot take every tenant's connections,
    /// and above the 500 that `scripts/bench http` and `poll` open from one machine. Behind a
    /// proxy every client shares its address: raise it there (`--max-connections-per-address`).
    var maxConnectionsPerAddress = 512
    /// Until a connection has presented a valid token it may idle this long, and a request head
    /// on it must arrive within this of its first byte (408 beyond): a head is at most 16 KiB,
    /// seconds for any real client, while a stranger trickling one would hold its connection
    /// for `requestTimeout`. A connection whose token was admitted gets the usual timeouts.
    var unauthenticatedHeadTimeout: Duration = .seconds(10)
    /// The body of a request no token admits (a route that needs none, an unknown path): none
    /// of those routes reads a body, and a stranger's body is what the gateway would buffer
    /// for nobody (413 beyond). Routes that need a token refuse a bad one before the body.
    var unauthenticatedBodyBytes = 16 * 1024
    /// What a connection that has presented no valid token may still send after its error
    /// answer (a 401 at the head, say) before it is closed: the largest buffered body, so a
    /// client that had one under way still reads its answer, but not a stranger's endless
    /// stream, which would cost the gateway's loop the CPU to read and drop it for
    /// `unauthenticatedHeadTimeout`.
    var unauthenticatedLingerBytes = 1 << 20
    /// The same for a tenant's connection (a body cut short at its limit, garbage after a
    /// request): enough for the rest of a large import batch under way, so its client reads the
    /// answer; beyond it, reading and dropping for `requestTimeout` would hold the loop thread
    /// every tenant shares, for as long as a client sends on after a 400.
    var lingerBytes = 64 << 20
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
    /// to reads: failing the whole import over such a wait would leave a tenant half imported.
    var importBatchTimeout: Duration = .seconds(60)

    static let standard = GatewayLimits()
}
