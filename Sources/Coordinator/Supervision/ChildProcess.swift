#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation
import WireRuntime
import WireTransport

/// Starting a child process and learning of its exit at once.
enum ChildProcess {
    /// Spawns `executable` with `arguments`, default signal dispositions, and `environment` as its
    /// whole environment: nothing of ours passes unless named there. With `output`, the
    /// child's standard output and error are appended to that file (made 0600), not shared with ours.
    ///
    /// Must run on a thread that lives as long as the process (the event
    /// loop's): a child's parent-death signal fires when the *thread* that
    /// spawned it ends, not the process.
    static func spawn(
        executable: String, arguments: [String], environment: [String: String], output: String? = nil
    ) throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // We ignore SIGTERM/SIGINT/SIGPIPE ourselves (signals arrive as a
        // stream); ignored signals survive exec, so reset them for the child.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let output {
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SystemCallError(call: "posix_spawn", errno: result, context: executable) }
        return pid
    }

    /// Decodes a `waitpid` status (the C macros are not imported).
    static func describe(status: Int32) -> String {
        let signal = status & 0x7F
        if signal == 0 { return "exit code \((status >> 8) & 0xFF)" }
        return "signal \(signal)"
    }
}

/// Watches one child's pidfd on the event loop and reports its exit status once.
final class ChildWatcher: LoopHandler, @unchecked Sendable {
    // Invariant for @unchecked Sendable: used only on `loop`'s thread.
    private let pid: Int32
    private let pidfd: Int32
    private let loop: EventLoop
    private let onExit: (Int32) -> Void
    private var reported = false

    /// Opens a pidfd for `pid` and starts watching; call on the loop thread.
    init(pid: Int32, loop: EventLoop, onExit: @escaping (Int32) -> Void) throws {
        self.pid = pid
        self.loop = loop
        self.onExit = onExit
        pidfd = try systemCallBlocking("pidfd_open", "pid \(pid)") { pidfd_open(pid, 0) }
        try loop.register(pidfd, handler: self)
    }

    func ready(readable: Bool, writable: Bool, hangup: Bool) {
        guard !reported else { return }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        // 0: readable without an exit (spurious); keep watching.
        guard result != 0 else { return }
        reported = true
        loop.deregister(pidfd)
        close(pidfd)
        onExit(result == pid ? status : -1)
    }
}
