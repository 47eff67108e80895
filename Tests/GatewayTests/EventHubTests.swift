#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Testing
import Wire
@testable import Gateway

/// The hub on a real loop with real socket pairs whose far end the test controls.
@Suite(.serialized) struct EventHubTests {
    private func onLoop<T: Sendable>(_ loop: EventLoop, _ work: @escaping @Sendable () -> T) -> T {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        loop.execute {
            result.withLock { $0 = work() }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }  // set just above before the signal
    }

    /// A channel on `loop` for one end of a socket pair; the other end is returned to the test.
    private func channel(on loop: EventLoop) throws -> (StreamChannel, Int32) {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        try Socket.setNonBlocking(pair[0])
        let channel = StreamChannel(fd: pair[0], loop: loop, label: "test", outboundLimit: 64 << 20, onBytes: { _ in }, onClose: { _ in })
        onLoop(loop) { channel.activate() }
        return (channel, pair[1])
    }

    @Test func dropsASubscriberThatFallsTooFarBehind() throws {
        let loop = try EventLoop(name: "hub-test")
        loop.start()
        defer { loop.stop() }
        let hub = EventHub(loop: loop)
        let (slow, peer) = try channel(on: loop)
        defer { close(peer) }
        onLoop(loop) { hub.subscribe(org: "o", channel: slow, lastEventId: nil) }
        let data = "\"" + String(repeating: "x", count: 1_000) + "\""
        // The peer never reads: the kernel buffer fills, then the hub's backlog limit is crossed.
        let closed = onLoop(loop) { () -> Bool in
            for index in 0..<(EventHub.subscriberBacklogLimit / 1_000 * 3) {
                hub.publish(org: "o", EventHub.Event(id: "e\(index)", type: "t", data: data))
            }
            return slow.isClosed
        }
        #expect(closed)
    }

    @Test func replaysOnlyWhatFollowsTheLastEventId() throws {
        let loop = try EventLoop(name: "hub-test")
        loop.start()
        defer { loop.stop() }
        let hub = EventHub(loop: loop)
        onLoop(loop) { (0..<5).forEach { hub.publish(org: "o", EventHub.Event(id: "e\($0)", type: "t", data: "1")) } }
        let (late, peer) = try channel(on: loop)
        defer { close(peer) }
        onLoop(loop) { hub.subscribe(org: "o", channel: late, lastEventId: "e2") }
        usleep(100_000)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(peer, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        let text = String(decoding: buffer[0..<max(count, 0)], as: UTF8.self)
        #expect(text == "id: e3\nevent: t\ndata: 1\n\nid: e4\nevent: t\ndata: 1\n\n")
    }
}
