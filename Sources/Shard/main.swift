#if canImport(Glibc)
import Glibc
#endif
import Foundation
import WireRuntime
import WireTransport

ProcessRuntime.keepNewFilesPrivate()
var log = Log(process: "shard")
do {
    let options = try ShardOptions(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
    log = Log(process: ClusterLayout.shardName(options.index), format: options.logFormat)
    try await ShardProcess(options: options).run()
} catch {
    let exitReason = ShardExit(for: error)
    log.error("\(error); exiting with \(exitReason.rawValue): \(exitReason.explanation)")
    exit(exitReason.rawValue)
}
