#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import TestSupport
import Testing
@testable import Wire
@testable import WireRuntime
@testable import WireTransport

@Suite(.serialized) struct TransportTests {
    let log = Log(process: "test-client", minimumLevel: .error)

    private func startedLoop() throws -> EventLoop {
        let loop = try EventLoop(name: "test-loop")
        loop.start()
        return loop
    }

    @Test func requestIsAnsweredByCorrelationAfterTheHandshake() async throws {
        let loop = try startedLoop()
        let server = try TestServer(loop: loop)
        defer { server.stop(); loop.stop() }
        try await Connection.connect(
            path: server.path, hello: Hello(role: .gateway, pid: getpid()), loop: loop, delegate: RecordingDelegate(), log: log
        ) { connection, welcome in
            #expect(welcome == Welcome(role: .coordinator, shardCount: 4))
            let answers = try await withThrowingTaskGroup(of: ShardStatus.self) { group in
                for _ in 0..<50 { group.addTask { try await connection.call(Ping(), as: \.coordinatorCall) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 50)
            #expect(answers.allSatisfy { $0 == ShardStatus(index: 1, pid: getpid()) })
        }
    }

    @Test func aMessageOverTheFrameLimitFailsAloneAndTheConnectionStaysUp() async throws {
        let loop = try startedLoop()
        let server = try TestServer(loop: loop)
        defer { server.stop(); loop.stop() }
        var limits = WireLimits()
        limits.frameSize = 1_024
        try await Connection.connect(
            path: server.path, hello: Hello(role: .gateway, pid: getpid()), loop: loop, delegate: RecordingDelegate(), limits: limits, log: log
        ) { connection, _ in
            let large = ReadStats(org: String(repeating: "o", count: 2_000))
            let size = Frame.encode(.request(correlation: 1, CallFrame(large.gatewayCall))).count - 4
            await #expect(throws: ConnectionError.frameTooLarge(server.path, bytes: size, limit: 1_024)) {
                try await connection.call(large, as: \.gatewayCall)
            }
            let answer = try await connection.call(Ping(), as: \.coordinatorCall)
            #expect(answer == ShardStatus(index: 1, pid: getpid()))
        }
    }

    @Test func aFailureAnswerThrowsAsRemoteFailure() async throws {
        let loop = try startedLoop()
        let server = try TestServer(loop: loop)
        defer { server.stop(); loop.stop() }
        try await Connection.connect(
            path: server.path, hello: Hello(role: .gateway, pid: getpid()), loop: loop, delegate: RecordingDelegate(), log: log
        ) { connection, _ in
            await #expect(throws: RemoteFailure(.notFound, "no cluster here")) { try await connection.call(CheckHealth(), as: \.gatewayCall) }
        }
    }

    @Test func aReplyThatDoesNotReadAsTheCallsReplyTypeIsAClearError() async throws {
        let loop = try startedLoop()
        let server = try TestServer(loop: loop, delegate: RecordingDelegate(fixedAnswer: .reply(encoding: OrgStats())))
        defer { server.stop(); loop.stop() }
        try await Connection.connect(
            path: server.path, hello: Hello(role: .gateway, pid: getpid()), loop: loop, delegate: RecordingDelegate(), log: log
        ) { connection, _ in
            let error = await #expect(throws: ConnectionError.self) {
                try await connection.call(CountMatching(org: "o", filter: ContactFilter()), as: \.gatewayCall)
            }
            #expect(error?.isUnreadableReply == true)
            #expect(error?.description.hasPrefix("\(server.path): the answer to `countMatching` is not its reply: frame: ") == true, "\(String(describing: error))")
            // The connection stays up: only that call failed.
            #expect(await connection.isOpen)
        }
    }

    @Test func noticesArriveInTheOrderSent() async throws {
        let loop = try startedLoop()
        let server = try TestServer(loop: loop)
        defer { server.stop(); loop.stop() }
        try await Connection.connect(
            path: server.path, hello: Hello(role: .shard, shardIndex: 0, pid: getpid()), loop: loop, delegate: RecordingDelegate(), log: log
        ) { connection, _ in
            for sequence in 1...500 { connection.notify(.heartbeat(sequence: UInt64(sequence))) }
            // A request after the notices returns only once they were read (one ordered stream).
            _ = try await connection.call(Ping(), as: \.coordinatorCall)
            try await waitUntil { server.delegate.notices.withLock { $0.count } == 500 }
            #expect(server.delegate.notices.withLock { $0 } == (1...500).map { .heartbeat(sequence: UInt64($0)) })
        }
    }

    @Test func aRefusedHandshakeThrowsWithThePeersReason() async throws {
        let loop = try startedLoop()
        let server = try TestServer(loop: loop, refuseWith: "wrong shard")
        defer { server.stop(); loop.stop() }
        await #expect(throws: ConnectionError.refused(server.path, reason: "wrong shard")) {
            try await Connection.connect(
                path: server.path, hello: Hello(role: .shard, shardIndex: 9, pid: getpid()), loop: loop, delegate: RecordingDelegate(), log: log
            ) { _, _ in }
        }
    }

    @Test func aPendingRequestFailsWhenThePeerGoesAway() async throws {
        let loop = try startedLoop()
        let server = try TestServer(loop: loop, delegate: RecordingDelegate(answerDelay: .seconds(10)))
        defer { server.stop(); loop.stop() }
        try await Connection.connect(
            path: server.path, hello: Hello(role: .gateway, pid: getpid()), loop: loop, delegate: RecordingDelegate(), log: log
        ) { connection, _ in
            Task {
                try await Task.sleep(for: .milliseconds(50))
                connection.close()
            }
            await #expect(throws: ConnectionError.closed(server.path)) { try await connection.call(Ping(), as: \.coordinatorCall, timeout: .seconds(5)) }
        }
    }

    @Test func aRequestWithoutAnswerTimesOut() async throws {
        let loop = try startedLoop()
        let server = try TestServer(loop: loop, delegate: RecordingDelegate(answerDelay: .seconds(10)))
        defer { server.stop(); loop.stop() }
        try await Connection.connect(
            path: server.path, hello: Hello(role: .gateway, pid: getpid()), loop: loop, delegate: RecordingDelegate(), log: log
        ) { connection, _ in
            await #expect(throws: ConnectionError.timedOut(server.path, after: .milliseconds(100))) {
                try await connection.call(Ping(), as: \.coordinatorCall, timeout: .milliseconds(100))
            }
        }
    }

    @Test func aRequestTimesOutWhenTheClockPassesItsDeadlineAndNotBefore() async throws {
        let loop = try startedLoop()
        let server = try TestServer(loop: loop, delegate: RecordingDelegate(answerDelay: .seconds(10)))
        defer { server.stop(); loop.stop() }
        let clock = ManualClock()
        try await Connection.connect(
            path: server.path, hello: Hello(role: .gateway, pid: getpid()), loop: loop, delegate: RecordingDelegate(), clock: clock, log: log
        ) { connection, _ in
            // Past the handshake's deadline: the timer wakes to nothing and stops.
            clock.advance(by: WireLimits.standard.handshakeTimeout)
            try await waitUntil { clock.sleepers == 0 }
            let sent = clock.now
            let answer = Task { try await connection.call(Ping(), as: \.coordinatorCall, timeout: .seconds(5)) }
            // The one timer sleeps to the request's deadline, and nothing wakes before it.
            try await waitUntil { clock.nextDeadline == sent + .seconds(5) }
            clock.advance(by: .milliseconds(4_999))
            #expect(clock.sleepers == 1)
            clock.advance(by: .milliseconds(1))
            await #expect(throws: ConnectionError.timedOut(server.path, after: .seconds(5))) { try await answer.value }
        }
    }

    @Test func aPeerThatNeverSaysHelloIsDisconnectedAfterTheHandshakeTimeout() async throws {
        let loop = try startedLoop()
        defer { loop.stop() }
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        try Socket.setNonBlocking(pair[0])
        var limits = WireLimits()
        limits.handshakeTimeout = .milliseconds(100)
        let connection = Connection(
            fd: pair[0], label: "silent", loop: loop, side: .accepting(admit: { _, _ in .failure(Refusal(reason: "unused")) }),
            delegate: RecordingDelegate(), limits: limits, log: log)
        // Its read loop returns once the connection has closed.
        await connection.run()
        #expect(await !connection.isOpen)
        close(pair[1])
    }

    @Test func everyConnectionHasItsOwnSerialEvenWhenAnOldOnesMemoryIsReused() async throws {
        let loop = try startedLoop()
        defer { loop.stop() }
        var serials: Set<UInt64> = []
        for _ in 0..<20 {
            var pair: [Int32] = [0, 0]
            #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
            try Socket.setNonBlocking(pair[0])
            let connection = Connection(
                fd: pair[0], label: "serial", loop: loop, side: .connecting(Hello(role: .gateway, pid: 1)), delegate: RecordingDelegate(), log: log)
            #expect(serials.insert(connection.serial).inserted)
            connection.close()
            await connection.run()
            close(pair[1])
        }
    }

    @Test func peerLinkReconnectsWhenThePeerComesBack() async throws {
        let loop = try startedLoop()
        defer { loop.stop() }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wire-link-\(UUID().uuidString.prefix(8)).sock").path
        let link = PeerLink(
            path: path, hello: Hello(role: .gateway, pid: getpid()), loop: loop, delegate: RecordingDelegate(),
            backoff: Backoff(initial: .milliseconds(10), maximum: .milliseconds(50)), log: log)
        let linked = Task { await link.run() }
        // Nobody listens yet: requests fail fast instead of hanging.
        await #expect(throws: ConnectionError.notConnected(path)) { try await link.call(Ping(), as: \.coordinatorCall) }

        let first = try TestServer(loop: loop, path: path)
        await link.waitUntilConnected()
        #expect(try await link.call(Ping(), as: \.coordinatorCall) == ShardStatus(index: 1, pid: getpid()))
        let firstConnection = try #require(await link.current)
        firstConnection.close()
        first.stop()

        let second = try TestServer(loop: loop, path: path)
        defer { second.stop() }
        try await waitUntil {
            guard let current = await link.current, current !== firstConnection else { return false }
            return await current.isOpen
        }
        #expect(try await link.call(Ping(), as: \.coordinatorCall) == ShardStatus(index: 1, pid: getpid()))
        linked.cancel()
        await linked.value
    }
}
