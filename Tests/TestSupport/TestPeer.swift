#if canImport(Glibc)
import Glibc
#endif
import Foundation
package import Synchronization
package import Wire
import WireRuntime
package import WireTransport

/// Records what a peer receives and answers pings and the gateway's import batches, for tests of
/// whatever talks to a peer over the transport.
package final class RecordingDelegate: ConnectionDelegate {
    package let notices = Mutex<[Notice]>([])
    package let closures = Mutex(0)
    /// Delays each answer, to let tests hold requests in flight.
    package let answerDelay: Duration
    /// An import batch holding a record with this id is answered as if a shard were down.
    package let failingImportOf: String?
    /// Every call is answered with this instead, as by a peer with a bug.
    package let fixedAnswer: Answer?

    package init(answerDelay: Duration = .zero, failingImportOf: String? = nil, fixedAnswer: Answer? = nil) {
        self.answerDelay = answerDelay
        self.failingImportOf = failingImportOf
        self.fixedAnswer = fixedAnswer
    }

    package func answer(_ frame: CallFrame, on connection: Connection) async -> Answer {
        if answerDelay > .zero { try? await Task.sleep(for: answerDelay) }
        if let fixedAnswer { return fixedAnswer }
        do throws(RemoteFailure) {
            switch frame.conversation {
            case .coordinatorToShard:
                if case .ping(let ping) = try frame.open(as: CoordinatorCall.self, by: "the test peer") {
                    return ping.answer(ShardStatus(index: 1, pid: getpid()))
                }
            case .gatewayToCoordinator:
                if case .importRecords(let call) = try frame.open(as: GatewayCall.self, by: "the test peer") {
                    if let failingImportOf, (try? call.records.records())?.contains(where: { $0.id == failingImportOf }) != false {
                        return .failure(RemoteFailure(.unavailable, "shard 1 is down"))
                    }
                    return call.answer(ImportCounts(contacts: UInt64(call.records.count)))
                }
            case .shardToCoordinator, .operatorToCoordinator:
                break
            }
        } catch {
            return .failure(error)
        }
        return .failure(RemoteFailure(.notFound, "no cluster here"))
    }

    package func received(_ notice: Notice, on connection: Connection) async {
        notices.withLock { $0.append(notice) }
    }

    package func closed(_ connection: Connection, error: (any Error)?) async {
        closures.withLock { $0 += 1 }
    }
}

/// A listening socket in a temporary directory whose connections go to `delegate`.
package final class TestServer: Sendable {
    package let path: String
    package let loop: EventLoop
    package let delegate: RecordingDelegate
    private let listenerBox = Mutex<Listener?>(nil)
    /// Runs the accepted connections until `stop()`.
    private let connections: ChildTasks
    private let serving: Task<Void, Never>

    package init(loop: EventLoop, delegate: RecordingDelegate = RecordingDelegate(), refuseWith reason: String? = nil, path: String? = nil) throws {
        self.path = path ?? FileManager.default.temporaryDirectory.appendingPathComponent("wire-\(UUID().uuidString.prefix(8)).sock").path
        self.loop = loop
        self.delegate = delegate
        let fd = try Socket.listenUnix(path: self.path)
        let log = Log(process: "test-server", minimumLevel: .error)
        let connections = ChildTasks()
        self.connections = connections
        serving = Task { await connections.run() }
        let done = DispatchSemaphore(value: 0)
        loop.execute { [self] in
            let listener = Listener(fd: fd, loop: loop, label: self.path, log: log) { client in
                let connection = Connection(
                    fd: client, label: "server", loop: loop,
                    side: .accepting(admit: { _, _ in
                        if let reason { return .failure(Refusal(reason: reason)) }
                        return .success(Welcome(role: .coordinator, shardCount: 4))
                    }),
                    delegate: delegate, log: log)
                connections.add { await connection.run() }
            }
            try? listener.activate()
            self.listenerBox.withLock { $0 = listener }
            done.signal()
        }
        done.wait()
    }

    package func stop() {
        serving.cancel()
        let done = DispatchSemaphore(value: 0)
        loop.execute { [self] in
            self.listenerBox.withLock { $0?.close() }
            done.signal()
        }
        done.wait()
        unlink(path)
    }
}
