import Testing
import Wire
@testable import Coordinator

/// A peer's hello must name the pid the kernel reports for its socket.
@Suite struct PeerCheckTests {
    @Test func aHelloNamingAnotherPidThanThePeersIsRefused() {
        let shard = Hello(role: .shard, shardIndex: 0, pid: 4242)
        #expect(CoordinatorService.checkDeclared(shard, peerPid: 4242) == nil)
        #expect(CoordinatorService.checkDeclared(shard, peerPid: 999) == Refusal(reason:
            "the connection's process is pid 999, but its hello says pid 4242"))
        #expect(CoordinatorService.checkDeclared(Hello(role: .gateway, pid: 7), peerPid: 8) != nil)
    }
}
