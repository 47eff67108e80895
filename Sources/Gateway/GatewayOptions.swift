import Wire

/// The gateway's command line: `--data DIR [--host H] [--port P]`.
struct GatewayOptions: Equatable {
    var layout: ClusterLayout
    var host: String
    var port: UInt16

    static let defaultHost = "127.0.0.1"
    static let defaultPort = 2212

    init(arguments: [String]) throws(ProcessOptions.UsageError) {
        let options = try ProcessOptions(arguments, known: ["data", "host", "port"])
        layout = ClusterLayout(dataDirectory: try options.require("data"))
        host = options.string("host") ?? Self.defaultHost
        port = UInt16(try options.integer("port", default: Self.defaultPort, in: 1...65535))
    }
}
