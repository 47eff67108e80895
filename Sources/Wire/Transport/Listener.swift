package import WireRuntime
#if canImport(Glibc)
import Glibc
#endif

/// A listening socket on an event loop that hands each accepted descriptor on.
package final class Listener: LoopHandler, @unchecked Sendable {
    // Invariant for @unchecked Sendable: used only on `loop`'s thread after `activate`.
    package let fd: Int32
    package let loop: EventLoop
    package let label: String
    private let log: Log
    private let onAccept: (Int32) -> Void
    private var isClosed = false

    /// Connections accepted per wake-up before other descriptors get a turn.
    private static let acceptsPerWakeup = 64

    package init(fd: Int32, loop: EventLoop, label: String, log: Log, onAccept: @escaping (Int32) -> Void) {
        self.fd = fd
        self.loop = loop
        self.label = label
        self.log = log
        self.onAccept = onAccept
    }

    package func activate() throws {
        try loop.register(fd, handler: self)
    }

    package func ready(readable: Bool, writable: Bool, hangup: Bool) {
        for _ in 0..<Self.acceptsPerWakeup {
            guard !isClosed else { return }
            do {
                guard let client = try Socket.accept(fd, context: label) else { return }
                onAccept(client)
            } catch let error as SystemCallError where [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errno) {
                // Out of descriptors: the pending connection stays queued; try again shortly.
                log.error("listener \(label): \(error); pausing accepts for 100 ms")
                loop.deregister(fd)
                loop.schedule(after: .milliseconds(100)) { [self] in if !isClosed { try? activate() } }
                return
            } catch {
                log.warning("listener \(label): \(error)")
                return
            }
        }
    }

    package func close() {
        loop.assertInLoop()
        guard !isClosed else { return }
        isClosed = true
        loop.deregister(fd)
        Glibc.close(fd)
    }
}
