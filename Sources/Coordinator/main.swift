#if canImport(Glibc)
import Glibc
#endif
import Foundation
import WireRuntime
import WireTransport

ProcessRuntime.keepNewFilesPrivate()
var log = Log(process: "coordinator")
do {
    let options = try CoordinatorOptions(
        arguments: Array(CommandLine.arguments.dropFirst()), executable: CommandLine.arguments[0], environment: ProcessInfo.processInfo.environment)
    log = Log(process: "coordinator", format: options.logFormat)
    if options.report == .jobs {
        for line in try await JobReport.lines(layout: options.layout, log: Log(process: "coordinator-report", minimumLevel: .error)) { print(line) }
        exit(0)
    }
    try await Coordinator(options: options).run()
} catch let error as RegistryInUse {
    log.error("\(error)")
    exit(ShardExit.misconfigured.rawValue)  // starting again cannot help, as for a shard (EX_CONFIG)
} catch let error as ClusterIdentityError {
    log.error("\(error)")
    exit(ShardExit.misconfigured.rawValue)
} catch {
    log.error("\(error)")
    exit(1)
}
