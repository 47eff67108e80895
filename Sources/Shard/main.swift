#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Wire

ProcessRuntime.keepNewFilesPrivate()
do {
    let options = try ShardOptions(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
    try await ShardProcess(options: options).run()
} catch {
    let exitReason = ShardExit(for: error)
    Log(process: "shard").error("\(error); exiting with \(exitReason.rawValue): \(exitReason.explanation)")
    exit(exitReason.rawValue)
}
