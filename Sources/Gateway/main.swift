#if canImport(Glibc)
import Glibc
#endif
import Wire

ProcessRuntime.keepNewFilesPrivate()
do {
    let options = try GatewayOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    try await Gateway(options: options).run()
} catch {
    Log(process: "gateway").error("\(error)")
    exit(1)
}
