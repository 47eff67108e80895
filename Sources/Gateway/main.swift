#if canImport(Glibc)
import Glibc
#endif
import Foundation
import WireRuntime
import WireTransport

ProcessRuntime.keepNewFilesPrivate()
var log = Log(process: "gateway")
do {
    let options = try GatewayOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    log = Log(process: "gateway", format: options.logFormat)
    // The documents built with this gateway (SwiftPM resources, found here only: the fuzzing
    // harnesses compile the gateway's other sources without SwiftPM).
    func resource(_ name: String, _ type: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: type) else {
            throw ProcessOptions.UsageError("\(name).\(type) is missing from the build next to \(CommandLine.arguments[0])")
        }
        return Array(try Data(contentsOf: url))
    }
    let documents = BuiltInDocuments(openAPI: try resource("openapi", "yaml"), jobPage: try resource("job", "html"))
    try await Gateway(options: options, documents: documents).run()
} catch {
    log.error("\(error)")
    exit(1)
}
