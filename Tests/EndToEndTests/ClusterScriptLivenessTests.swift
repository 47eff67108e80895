#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import WireRuntime

/// `scripts/cluster` takes a pid file's process for alive only when /proc says
/// it is not a zombie and its command line is this cluster's program: `kill -0`
/// also answers for a zombie and for an unrelated process that got the pid
/// after ours died. No cluster runs here: the pid files name processes the
/// tests made themselves.
@Suite struct ClusterScriptLivenessTests {
    @Test func aPidFileNamingAForeignProcessIsStaleAndStopNeverSignalsIt() throws {
        let cluster = try TestCluster(shards: 1)
        defer { try? FileManager.default.removeItem(atPath: cluster.data) }
        try PidFile.makeDirectory(cluster.layout.runDirectory, mode: 0o700)
        // Alive, but not ours: what a pid file names once its pid was reused.
        let foreign = try spawn("/bin/sleep", ["60"])
        defer { reap(foreign, killingFirst: true) }
        for name in ["coordinator", "gateway"] {
            try PidFile.write(foreign, to: cluster.layout.pidFile(for: name))
        }

        let (status, output) = try cluster.script("cluster", ["status", "--data", cluster.data])
        #expect(status != 0, "\(output)")
        #expect(output.contains("coordinator: dead (stale pid \(foreign))"), "\(output)")
        #expect(output.contains("gateway: dead (stale pid \(foreign))"), "\(output)")

        let (stopped, stopOutput) = try cluster.script("cluster", ["stop", "--data", cluster.data])
        #expect(stopped == 0, "\(stopOutput)")
        // Not reaped until the defer, so its pid cannot have been reused meanwhile.
        let state = processState(foreign)
        #expect(state != nil && state != "Z", "stop signalled a process that is not the cluster's (state \(String(describing: state)))")
    }

    @Test func aPidFileNamingAZombieIsStale() throws {
        let cluster = try TestCluster(shards: 1)
        defer { try? FileManager.default.removeItem(atPath: cluster.data) }
        try PidFile.makeDirectory(cluster.layout.runDirectory, mode: 0o700)
        // Exits at once and is reaped only at the end: a zombie until then.
        let zombie = try spawn("/bin/true", [])
        defer { reap(zombie) }
        try #require(eventually(timeout: .seconds(5)) { processState(zombie) == "Z" }, "pid \(zombie) never became a zombie")
        try PidFile.write(zombie, to: cluster.layout.pidFile(for: "coordinator"))

        let (status, output) = try cluster.script("cluster", ["status", "--data", cluster.data])
        #expect(status != 0, "\(output)")
        #expect(output.contains("coordinator: dead (stale pid \(zombie))"), "\(output)")
    }
}

/// Spawns `executable` as a child of the test process, which alone reaps it (`reap`).
private func spawn(_ executable: String, _ arguments: [String]) throws -> pid_t {
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, nil, nil, argv, environ)
    guard spawned == 0 else { throw SystemCallError(call: "posix_spawn", errno: spawned, context: executable) }
    return pid
}

/// Waits for a child from `spawn`; until then its pid stays its own, so killing it first is safe.
private func reap(_ pid: pid_t, killingFirst: Bool = false) {
    if killingFirst { kill(pid, SIGKILL) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
}

/// The state letter in /proc/PID/stat (R, S, T, Z...), or nil when there is no
/// such process. It follows the last ')': the command name before it, in
/// parentheses, may hold anything.
private func processState(_ pid: pid_t) -> Character? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")")
    else { return nil }
    return stat[stat.index(after: close)...].first { $0 != " " }
}
