#if canImport(Glibc)
import Glibc
#endif
import Wire

do {
    let options = try ShardOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    try await ShardProcess(options: options).run()
} catch {
    Log(process: "shard").error("\(error)")
    exit(1)
}
