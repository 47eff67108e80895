#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import Wire

/// The supervisor rescues what only it can: a shard process stopped right
/// after its spawn, before it ever registered.
@Suite(.serialized) struct SupervisionEndToEndTests {
    @Test func aSuccessorStoppedAtBirthIsKilledAndReplacedAndItsJobCompletesExactly() throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: 2_000)
        var seen = Set(cluster.currentPids().values)
        defer {
            let survivors = cluster.stop(everSeen: seen)
            #expect(survivors.isEmpty, "left running after stop: \(survivors)")
        }

        let killed = try #require(cluster.currentPids()["shard-0"])
        kill(killed, SIGKILL)
        // Its successor's pid file is written right after the spawn: stop it before it can register.
        var successor: Int32?
        #expect(eventually(timeout: .seconds(5)) {
            successor = cluster.currentPids()["shard-0"].flatMap { $0 == killed ? nil : $0 }
            if let successor { kill(successor, SIGSTOP) }
            return successor != nil
        })
        let stopped = try #require(successor)
        seen.insert(stopped)
        // Never continued: only the supervisor can get the shard back.
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        let job = try cluster.waitForJob(jobId, token: admin, timeout: .seconds(40))
        seen.formUnion(cluster.currentPids().values)
        #expect(job["status"] as? String == "completed", "\(job)")
        #expect(job["deleted"] as? Int == 2_000)
        #expect(cluster.logs().contains("(pid \(stopped)) did not register within") || cluster.logs().contains("(pid \(stopped)) sent no heartbeat"),
            "\(cluster.logs())")
        #expect(eventually(timeout: .seconds(5)) { (try? cluster.get("/healthz").status) == 200 })
    }
}
