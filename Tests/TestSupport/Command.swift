#if canImport(Glibc)
import Glibc
#endif
package import Foundation
import WireRuntime

/// Runs `executable` with `arguments` and waits for it; its exit status and what it printed
/// (standard output and error together).
///
/// posix_spawn and waitpid on that one pid, not Foundation's `Process`,
/// whose `waitUntilExit` was seen to hang here when called from a test task.
/// The output goes through a file, not a pipe: daemons a script starts inherit its
/// descriptors, so a pipe would never reach end-of-file.
package func runCommand(
    _ executable: String, _ arguments: [String], environment extra: [String: String] = [:], outputIn directory: String = "/tmp"
) throws -> (status: Int32, output: String) {
    let outputPath = "\(directory)/command-\(UUID().uuidString).out"
    defer { unlink(outputPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var environment = ProcessInfo.processInfo.environment
    environment.merge(extra) { _, new in new }
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
    guard spawned == 0 else { throw SystemCallError(call: "posix_spawn", errno: spawned, context: executable) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    let exitCode = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return (exitCode, output)
}

/// The repository this test build came from.
package let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
