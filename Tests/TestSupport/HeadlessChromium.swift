#if canImport(Glibc)
import Glibc
#endif
package import Foundation
import WireRuntime

/// Debian's Chromium, headless, driven over the DevTools protocol on a pipe
/// (`--remote-debugging-pipe`: commands in on fd 3, answers out on fd 4, each a JSON text ended
/// by a NUL): a page is opened and read as it runs, in real time.
package final class HeadlessChromium {
    package enum Failure: Error, CustomStringConvertible {
        case notInstalled
        case closed
        case answer(String)

        package var description: String {
            switch self {
            case .notInstalled: "chromium is not installed (Debian's package chromium; .ci/run installs it)"
            case .closed: "chromium closed its DevTools pipe"
            case .answer(let text): "chromium answered: \(text)"
            }
        }
    }

    private let pid: pid_t
    private let commands: FileHandle
    private let answers: FileHandle
    private var pending: [UInt8] = []
    private var nextId = 0
    private var session: String?

    package static let executable = "/usr/bin/chromium"

    package init() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else { throw Failure.notInstalled }
        let toChromium = Pipe()
        let fromChromium = Pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Through fds out of the way first: a pipe's own fd may be 3 or 4 already, and the first
        // dup2 onto it would close the other end's.
        posix_spawn_file_actions_adddup2(&actions, toChromium.fileHandleForReading.fileDescriptor, 100)
        posix_spawn_file_actions_adddup2(&actions, fromChromium.fileHandleForWriting.fileDescriptor, 101)
        posix_spawn_file_actions_adddup2(&actions, 100, 3)
        posix_spawn_file_actions_adddup2(&actions, 101, 4)
        // Root (as CI runs) cannot use Chromium's sandbox; the page is our own.
        let arguments = [
            Self.executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--remote-debugging-pipe", "about:blank",
        ]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, Self.executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw SystemCallError(call: "posix_spawn", errno: spawned, context: Self.executable) }
        self.pid = pid
        try? toChromium.fileHandleForReading.close()
        try? fromChromium.fileHandleForWriting.close()
        commands = toChromium.fileHandleForWriting
        answers = fromChromium.fileHandleForReading
    }

    deinit {
        _ = try? send("Browser.close", [:], inSession: false)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Opens `url` in a new tab and attaches to it: `evaluate` reads that tab from then on.
    package func open(_ url: String) throws {
        let target = try send("Target.createTarget", ["url": url], inSession: false)
        guard let targetId = target["targetId"] as? String else { throw Failure.answer("no targetId in \(target)") }
        let attached = try send("Target.attachToTarget", ["targetId": targetId, "flatten": true], inSession: false)
        guard let session = attached["sessionId"] as? String else { throw Failure.answer("no sessionId in \(attached)") }
        self.session = session
    }

    /// The value of JavaScript `expression` in the open tab (a string, number, bool, or nil).
    package func evaluate(_ expression: String) throws -> Any? {
        let result = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true], inSession: true)
        return (result["result"] as? [String: Any])?["value"]
    }

    private func send(_ method: String, _ parameters: [String: Any], inSession: Bool) throws -> [String: Any] {
        nextId += 1
        var message: [String: Any] = ["id": nextId, "method": method, "params": parameters]
        if inSession, let session { message["sessionId"] = session }
        var bytes = try JSONSerialization.data(withJSONObject: message)
        bytes.append(0)
        try commands.write(contentsOf: bytes)
        // Events come on the same pipe: skipped until the answer with this id.
        while true {
            let object = try next()
            guard object["id"] as? Int == nextId else { continue }
            if let error = object["error"] { throw Failure.answer("\(method): \(error)") }
            return object["result"] as? [String: Any] ?? [:]
        }
    }

    private func next() throws -> [String: Any] {
        while true {
            if let end = pending.firstIndex(of: 0) {
                let text = Data(pending[..<end])
                pending.removeSubrange(...end)
                if let object = try JSONSerialization.jsonObject(with: text) as? [String: Any] { return object }
                continue
            }
            // What has arrived, whatever its size (`read(upToCount:)` would wait for that many bytes).
            let chunk = answers.availableData
            guard !chunk.isEmpty else { throw Failure.closed }
            pending.append(contentsOf: chunk)
        }
    }
}
