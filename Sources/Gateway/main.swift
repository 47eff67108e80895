#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Wire

ProcessRuntime.keepNewFilesPrivate()
var log = Log(process: "gateway")
do {
    let options = try GatewayOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    log = Log(process: "gateway", format: options.logFormat)
    // The OpenAPI document as it was built with this gateway (a SwiftPM resource, found here only:
    // the fuzzing harnesses compile the gateway's other sources without SwiftPM).
    guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
        throw ProcessOptions.UsageError("the OpenAPI document is missing from the build next to \(CommandLine.arguments[0])")
    }
    try await Gateway(options: options, openAPIDocument: Array(try Data(contentsOf: url))).run()
} catch {
    log.error("\(error)")
    exit(1)
}
