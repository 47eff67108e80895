package import Foundation

/// One exchange with a program on a pseudo-terminal: wait until its output shows `expect`, then
/// type `send` (`"\u{3}"` is Ctrl-C, which the terminal turns into SIGINT for the program's
/// process group, as a keyboard's would).
package struct TerminalStep: Sendable {
    package let expect: String
    package let send: String

    package init(expect: String, send: String) {
        self.expect = expect
        self.send = send
    }
}

/// Runs `executable` on a pseudo-terminal of its own (it is the session leader and the terminal
/// is its controlling one, so `isatty` holds and Ctrl-C signals it), plays `steps`, then reads
/// its output until it exits; its exit status (128 + the signal when one ended it) and all it
/// wrote to the terminal (which ends lines with CR LF and echoes what was typed).
///
/// Python's `pty` module does the terminal work in a helper process, run through `runCommand`.
/// A step whose text never comes within `stepTimeout` seconds ends the run with status 99 and
/// a line naming the text: a test sees what was on the screen instead of hanging.
package func runOnTerminal(
    _ executable: String, _ arguments: [String], steps: [TerminalStep], environment: [String: String] = [:],
    outputIn directory: String = "/tmp", stepTimeout: Int = 60
) throws -> (status: Int32, output: String) {
    let plan = try JSONSerialization.data(withJSONObject: steps.map { ["expect": $0.expect, "send": $0.send] })
    return try runCommand(
        "/usr/bin/env", ["python3", "-c", terminalDriver, String(decoding: plan, as: UTF8.self), String(stepTimeout), executable] + arguments,
        environment: environment, outputIn: directory)
}

/// The helper `runOnTerminal` runs: argv is the steps as JSON, the step timeout, then the command.
private let terminalDriver = #"""
import json, os, pty, select, signal, sys, time

steps, timeout, command = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
pid, terminal = pty.fork()
if pid == 0:
    # As a shell starts a foreground job: Ctrl-C must reach it even where the tests' runner ignores or blocks
    # SIGINT (both outlast exec, and Python then raises no KeyboardInterrupt).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    os.execv(command[0], command)
seen = b""

def read_until(text, seconds):
    """Reads until `text` is in what came since the last match; the end of it, or None at exit or timeout."""
    global seen
    deadline = time.monotonic() + seconds
    while text is None or text.encode() not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([terminal], [], [], left)[0]:
            return None
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # EIO: the program has exited and closed the terminal
            return None
        if not chunk:
            return None
        seen += chunk
    return seen.index(text.encode()) + len(text.encode())

shown = b""
for step in steps:
    end = read_until(step["expect"], timeout)
    if end is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        sys.stdout.write((shown + seen).decode(errors="replace") + "\n[terminal: never saw %r]\n" % step["expect"])
        sys.exit(99)
    shown, seen = shown + seen[:end], seen[end:]
    os.write(terminal, step["send"].encode())
read_until(None, 120)
# The terminal closed (or 120 s passed): the program exits now, or is ended.
for _ in range(100):
    reaped, status = os.waitpid(pid, os.WNOHANG)
    if reaped:
        break
    time.sleep(0.1)
else:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
sys.stdout.write((shown + seen).decode(errors="replace"))
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
"""#
