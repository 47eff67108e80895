#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Wire

ProcessRuntime.keepNewFilesPrivate()
do {
    let options = try CoordinatorOptions(
        arguments: Array(CommandLine.arguments.dropFirst()), executable: CommandLine.arguments[0], environment: ProcessInfo.processInfo.environment)
    try await Coordinator(options: options).run()
} catch {
    Log(process: "coordinator").error("\(error)")
    exit(1)
}
