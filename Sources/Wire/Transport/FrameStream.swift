import Wire
#if canImport(Glibc)
import Glibc
#endif

/// The event-loop half of a `Connection`: frames out, whole frames in.
///
/// Frame payloads and the final close are yielded, in order, to one
/// `AsyncStream`. Payloads are decoded by the connection, not here: the loop
/// serves every socket of the process, and decoding an import batch (megabytes)
/// on it would hold up all of them.
final class FrameStream: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `decoder` and `channel` are touched
    // only on `loop`'s thread; the public methods hop there with `execute`.
    enum Event: Sendable {
        case frame([UInt8])
        case closed((any Error)?)
    }

    private let loop: EventLoop
    private let events: AsyncStream<Event>.Continuation
    private var decoder: FrameDecoder
    private var channel: StreamChannel?

    init(fd: Int32, loop: EventLoop, label: String, limits: WireLimits, events: AsyncStream<Event>.Continuation) {
        self.loop = loop
        self.events = events
        decoder = FrameDecoder(sizeLimit: limits.frameSize)
        channel = StreamChannel(
            fd: fd, loop: loop, label: label, outboundLimit: limits.outboundBuffer,
            // Weak, then held for the whole call: finishing the stream lets the
            // connection (and this stream) be freed on another thread meanwhile.
            onBytes: { [weak self] bytes in self?.splitFrames(bytes) },
            onClose: { [weak self] error in
                guard let self else { return }
                channel = nil  // breaks the channel ↔ stream cycle
                events.yield(.closed(error))
                events.finish()
            }
        )
    }

    /// Registers the socket and writes `greeting` (preamble, maybe a hello) first.
    func start(sending greeting: [UInt8]) {
        loop.execute { [self] in
            guard let channel else { return }
            channel.activate()
            channel.write(greeting)
        }
    }

    /// Queues encoded frames (`Frame.encode`) for the peer.
    func send(_ bytes: [UInt8]) {
        loop.execute { [self] in channel?.write(bytes) }
    }

    func close() {
        loop.execute { [self] in channel?.close(nil) }
    }

    /// Closes the socket because of `error` (a frame that did not decode).
    func fail(_ error: any Error) {
        loop.execute { [self] in channel?.close(error) }
    }

    func closeWhenFlushed() {
        loop.execute { [self] in channel?.closeWhenFlushed() }
    }

    private func splitFrames(_ bytes: UnsafeRawBufferPointer) {
        decoder.append(bytes)
        do {
            while let payload = try decoder.nextPayload() {
                events.yield(.frame(payload))
            }
        } catch {
            channel?.close(error)
        }
    }
}
