#if canImport(Glibc)
import Glibc
#endif
import Wire

ProcessRuntime.keepNewFilesPrivate()
var log = Log(process: "gateway")
do {
    let options = try GatewayOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    log = Log(process: "gateway", format: options.logFormat)
    try await Gateway(options: options).run()
} catch {
    log.error("\(error)")
    exit(1)
}
