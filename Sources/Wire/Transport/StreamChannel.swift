import WireRuntime
#if canImport(Glibc)
import Glibc
#endif

/// One connected, non-blocking stream socket on an event loop: reads into
/// the loop's buffer and hands the bytes on, queues what it cannot write yet,
/// and closes exactly once.
///
/// Both the wire's frame channels and the gateway's HTTP connections sit on it.
package final class StreamChannel: LoopHandler, @unchecked Sendable {
    // Invariant for @unchecked Sendable: every stored var is touched only on
    // `loop`'s thread; entry points assert it. Other threads go through
    // `loop.execute`.
    package let fd: Int32
    package let loop: EventLoop
    package let label: String
    /// Queued output beyond this closes the channel: the peer stopped reading.
    package let outboundLimit: Int
    private var outbound: [UInt8] = []
    private var outboundOffset = 0
    private var writeInterest = false
    private var readingPaused = false
    /// True while the owner has paused reading (back-pressure): the peer is not the one being slow.
    package var isReadingPaused: Bool { readingPaused }
    package private(set) var isClosed = false

    /// Bytes written but not yet taken by the socket: how far behind the peer is.
    package var queuedBytes: Int { outbound.count - outboundOffset }
    private var closeAfterFlush = false
    private var shutdownAfterFlush = false
    private let onBytes: (UnsafeRawBufferPointer) -> Void
    private let onClose: ((any Error)?) -> Void
    /// Called when output that had to wait for the peer has all been written: an owner that
    /// stopped producing for a slow reader goes on.
    private let onDrained: (() -> Void)?

    /// Reads per wake-up before yielding to other descriptors.
    private static let readsPerWakeup = 16

    package init(
        fd: Int32, loop: EventLoop, label: String, outboundLimit: Int,
        onBytes: @escaping (UnsafeRawBufferPointer) -> Void,
        onClose: @escaping ((any Error)?) -> Void,
        onDrained: (() -> Void)? = nil
    ) {
        self.fd = fd
        self.loop = loop
        self.label = label
        self.outboundLimit = outboundLimit
        self.onBytes = onBytes
        self.onClose = onClose
        self.onDrained = onDrained
    }

    /// Starts watching the socket; on failure the descriptor is closed.
    package func activate() {
        loop.assertInLoop()
        do {
            try loop.register(fd, handler: self)
        } catch {
            Glibc.close(fd)
            isClosed = true
            onClose(error)
        }
    }

    package func ready(readable: Bool, writable: Bool, hangup: Bool) {
        if writable {
            flush()
            // Only a writable wake-up can drain a backlog, and here no caller of `write` is on the stack.
            if !isClosed && queuedBytes == 0 { onDrained?() }
        }
        if readable || hangup { readAvailable() }
    }

    /// Queues `bytes` and writes as much as the socket takes now.
    package func write(_ bytes: some Collection<UInt8>) {
        loop.assertInLoop()
        guard !isClosed else { return }
        if outboundOffset == outbound.count {
            outbound.removeAll(keepingCapacity: true)
            outboundOffset = 0
        }
        outbound.append(contentsOf: bytes)
        if outbound.count - outboundOffset > outboundLimit {
            close(SystemCallError(call: "write", errno: ENOBUFS, context: "\(label): peer is not reading, \(outbound.count - outboundOffset) bytes queued (limit \(outboundLimit))"))
            return
        }
        flush()
    }

    /// Closes once everything queued has been written.
    package func closeWhenFlushed() {
        loop.assertInLoop()
        if outboundOffset == outbound.count { close(nil) } else { closeAfterFlush = true }
    }

    /// Ends the write side (FIN) once everything queued has been written, and reads on until
    /// the peer closes: the owner drops what arrives, and closes after its own deadline.
    ///
    /// A socket closed with input unread makes the kernel answer with a reset, and a reset
    /// discards what the peer had not read yet: a client still sending a body the answer
    /// refused would lose that answer (TCP's "lingering close", RFC 9112 §9.6).
    package func finishWhenFlushed() {
        loop.assertInLoop()
        setReadingPaused(false)
        if outboundOffset == outbound.count { shutdownWriting() } else { shutdownAfterFlush = true }
    }

    private func shutdownWriting() {
        guard !isClosed else { return }
        if shutdown(fd, Int32(SHUT_WR)) != 0 { close(nil) }
    }

    /// Closes now; `error` nil means an orderly close.
    package func close(_ error: (any Error)?) {
        loop.assertInLoop()
        guard !isClosed else { return }
        isClosed = true
        loop.deregister(fd)
        Glibc.close(fd)
        outbound = []
        onClose(error)
    }

    private func readAvailable() {
        for _ in 0..<Self.readsPerWakeup {
            guard !isClosed else { return }
            let buffer = loop.readBuffer
            let result: IOResult<Int>
            do {
                result = try systemCall("read", label) { Glibc.read(fd, buffer.baseAddress, buffer.count) }
            } catch {
                return close(error)
            }
            switch result {
            case .wouldBlock: return
            case .done(0): return close(nil)
            case .done(let count): onBytes(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            }
        }
    }

    private func flush() {
        guard !isClosed else { return }
        while outboundOffset < outbound.count {
            let result: IOResult<Int>
            do {
                result = try outbound.withUnsafeBytes { raw in
                    // `outbound` is non-empty here (offset < count), so it has a base address.
                    try systemCall("send", label) {
                        send(fd, raw.baseAddress! + outboundOffset, raw.count - outboundOffset, Int32(MSG_NOSIGNAL))
                    }
                }
            } catch {
                return close(error)
            }
            switch result {
            case .wouldBlock:
                setWriteInterest(true)
                return
            case .done(let count):
                outboundOffset += count
            }
        }
        setWriteInterest(false)
        if closeAfterFlush { close(nil) }
        if shutdownAfterFlush {
            shutdownAfterFlush = false
            shutdownWriting()
        }
    }

    /// Stops (or resumes) reading: a peer that sends faster than we answer waits in its own buffers.
    package func setReadingPaused(_ paused: Bool) {
        loop.assertInLoop()
        guard paused != readingPaused, !isClosed else { return }
        readingPaused = paused
        loop.setInterest(fd, readable: !paused, writable: writeInterest)
        // Bytes may already sit in the socket; level-triggered epoll reports them again.
    }

    private func setWriteInterest(_ wanted: Bool) {
        guard wanted != writeInterest else { return }
        writeInterest = wanted
        loop.setInterest(fd, readable: !readingPaused, writable: wanted)
    }
}
