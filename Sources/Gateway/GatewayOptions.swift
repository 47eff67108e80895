import WireRuntime

/// The gateway's command line: `--data DIR [--host H] [--port P] [--max-import-bytes N]
/// [--body-idle-timeout-ms N] [--reads-per-second N] [--max-connections-per-address N] [--log-format text|json]`.
struct GatewayOptions: Equatable {
    var layout: ClusterLayout
    var host: String
    var port: UInt16
    /// The largest import body accepted (413 beyond it).
    var maxImportBytes: Int
    /// How long a streamed body may send nothing before its import stops with a 408.
    var bodyIdleTimeout: Duration
    /// Reads one org may make a second (429 beyond).
    var readsPerSecond: Int
    /// Connections one peer address may hold (429 beyond it).
    var maxConnectionsPerAddress: Int
    var logFormat: Log.Format

    static let defaultHost = "127.0.0.1"
    static let defaultPort = 2212

    init(arguments: [String]) throws(ProcessOptions.UsageError) {
        let options = try ProcessOptions(
            arguments,
            known: ["data", "host", "port", "max-import-bytes", "body-idle-timeout-ms", "reads-per-second", "max-connections-per-address", "log-format"])
        layout = ClusterLayout(dataDirectory: try options.require("data"))
        host = options.string("host") ?? Self.defaultHost
        port = UInt16(try options.integer("port", default: Self.defaultPort, in: 1...65535))
        maxImportBytes = try options.integer("max-import-bytes", default: GatewayLimits.standard.importBodyBytes, in: 1...(1 << 40))
        let idleDefault = Int(GatewayLimits.standard.bodyIdleTimeout / .milliseconds(1))
        bodyIdleTimeout = .milliseconds(try options.integer("body-idle-timeout-ms", default: idleDefault, in: 1...(24 * 3_600_000)))
        readsPerSecond = try options.integer("reads-per-second", default: ReadRate.standardPerSecond, in: 1...1_000_000)
        maxConnectionsPerAddress = try options.integer(
            "max-connections-per-address", default: GatewayLimits.standard.maxConnectionsPerAddress, in: 1...GatewayLimits.standard.maxConnections)
        logFormat = try Log.Format(flag: options.string("log-format"))
    }
}
