#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import TestSupport
import Testing
import Wire
import WireTransport
@testable import Gateway

/// The hub on a real loop with real socket pairs whose far end the test
/// controls, reading from an in-memory stand-in for the coordinator's log.
@Suite(.serialized) struct EventHubTests {
    /// An org's log, as the coordinator would answer pages of it.
    final class FakeLog: Sendable {
        let events = Mutex<[LoggedEvent]>([])
        let failing = Mutex(false)

        func add(_ count: Int, org: String = "o") -> [LoggedEvent] {
            events.withLock { events in
                let added = (0..<count).map { LoggedEvent(seq: UInt64(events.count + $0 + 1), org: org, body: .contactRemoved(json: "1")) }
                events += added
                return added
            }
        }

        func page(org: String, after: UInt64?, limit: Int) throws -> EventPage {
            if failing.withLock({ $0 }) { throw ConnectionError.notConnected("test") }
            return events.withLock { events in
                let matching = events.filter { $0.org == org && $0.seq > (after ?? 0) }
                return EventPage(events: Array(matching.prefix(limit)), head: events.last?.seq ?? 0)
            }
        }
    }

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

    /// The event ids the peer has been sent so far.
    private func receivedIds(_ peer: Int32) -> [String] {
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(peer, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard count > 0 else { break }
            text += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        return text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
    }

    /// The event ids the peer is sent, read until there are `count` of them (or the wait gives up).
    private func receivedIds(_ peer: Int32, count: Int) async throws -> [String] {
        var received: [String] = []
        try await waitUntil {
            received += receivedIds(peer)
            return received.count >= count
        }
        return received
    }

    private func hub(_ loop: EventLoop, _ log: FakeLog, streams: EventStreamCounts = EventStreamCounts()) -> EventHub {
        let hub = EventHub(loop: loop, streams: streams) { org, after, limit in try log.page(org: org, after: after, limit: limit) }
        // The service the gateway runs it as, for the life of the test process.
        Task { await hub.fetches.run() }
        return hub
    }

    @Test func dropsALiveSubscriberThatFallsTooFarBehind() async throws {
        let loop = try EventLoop(name: "hub-test")
        loop.start()
        defer { loop.stop() }
        let log = FakeLog()
        let hub = hub(loop, log)
        let (slow, peer) = try channel(on: loop)
        defer { close(peer) }
        #expect(onLoop(loop) { hub.subscribe(org: "o", token: "t", channel: slow, start: .head) } == nil)
        try await waitUntil { onLoop(loop) { hub.isLive(slow) } }
        let data = "\"" + String(repeating: "x", count: 1_000) + "\""
        // The peer never reads: the kernel buffer fills, then the hub's backlog limit is crossed.
        let closed = onLoop(loop) { () -> Bool in
            for index in 0..<(EventHub.subscriberBacklogLimit / 1_000 * 3) {
                hub.publish([RenderedEvent(seq: UInt64(index + 1), org: "o", type: "t", data: data)])
            }
            return slow.isClosed
        }
        #expect(closed)
        // Its place under the caps is free again.
        #expect(onLoop(loop) { hub.openStreams(token: "t", org: "o") } == (0, 0))
    }

    @Test func aStreamPastItsTokensCapIsRefusedAndOneEndingFreesItsPlace() async throws {
        let loop = try EventLoop(name: "hub-test")
        loop.start()
        defer { loop.stop() }
        let hub = hub(loop, FakeLog(), streams: EventStreamCounts(perToken: 1, perOrg: 5))
        let (first, firstPeer) = try channel(on: loop)
        let (second, secondPeer) = try channel(on: loop)
        defer { close(firstPeer); close(secondPeer) }
        #expect(onLoop(loop) { hub.subscribe(org: "o", token: "t", channel: first, start: .head) } == nil)
        #expect(onLoop(loop) { hub.subscribe(org: "o", token: "t", channel: second, start: .head) }?.response.status == 429)
        #expect(onLoop(loop) { hub.cursor(of: second) } == nil)  // refused: not subscribed
        onLoop(loop) { hub.unsubscribe(org: "o", channel: first) }
        #expect(onLoop(loop) { hub.openStreams(token: "t", org: "o") } == (0, 0))
        #expect(onLoop(loop) { hub.subscribe(org: "o", token: "t", channel: second, start: .head) } == nil)
        // An end reported again (the channel's close after a drop) frees nothing twice.
        onLoop(loop) { hub.unsubscribe(org: "o", channel: first) }
        #expect(onLoop(loop) { hub.openStreams(token: "t", org: "o") } == (1, 1))
    }

    @Test func replaysWhatFollowsTheLastEventIdFromTheLogThenGoesLive() async throws {
        let loop = try EventLoop(name: "hub-test")
        loop.start()
        defer { loop.stop() }
        let log = FakeLog()
        _ = log.add(2_500)
        _ = log.add(3, org: "other")
        let hub = hub(loop, log)
        let (late, peer) = try channel(on: loop)
        defer { close(peer) }
        #expect(onLoop(loop) { hub.subscribe(org: "o", token: "t", channel: late, start: .after(2)) } == nil)
        try await waitUntil { onLoop(loop) { hub.isLive(late) } }
        let live = log.add(2).map(RenderedEvent.init(logged:))
        onLoop(loop) { hub.publish(live) }
        // Pages of the log (three, across page boundaries), then the live ones; another org's never.
        let expected = (3...2_500).map(String.init) + ["2504", "2505"]
        #expect(try await receivedIds(peer, count: expected.count) == expected)
    }

    @Test func aLiveSubscriberCatchesUpWhatWasLoggedWhileTheLinkWasDown() async throws {
        let loop = try EventLoop(name: "hub-test")
        loop.start()
        defer { loop.stop() }
        let log = FakeLog()
        _ = log.add(5)
        let hub = hub(loop, log)
        let (subscriber, peer) = try channel(on: loop)
        defer { close(peer) }
        #expect(onLoop(loop) { hub.subscribe(org: "o", token: "t", channel: subscriber, start: .head) } == nil)
        try await waitUntil { onLoop(loop) { hub.isLive(subscriber) } }
        // The link drops; what is logged meanwhile is never pushed; the log is unreachable for a while.
        log.failing.withLock { $0 = true }
        onLoop(loop) { hub.linkLost() }
        _ = log.add(3)
        try await Task.sleep(for: .milliseconds(300))
        log.failing.withLock { $0 = false }
        #expect(try await receivedIds(peer, count: 3) == ["6", "7", "8"])
    }
}

extension EventHub {
    /// Whether the subscriber on `channel` has caught up; call on the loop.
    func isLive(_ channel: StreamChannel) -> Bool { cursor(of: channel)?.isLive ?? false }
}
