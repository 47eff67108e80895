#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing

/// The restore window on a real cluster started with a short one (`TETHER_RESTORE_WINDOW`, as
/// `scripts/cluster start --restore-window` sets it), on SQLite and on PostgreSQL: past its
/// `restorableUntil` a delete cannot be restored (410), and the shards purge what it kept.
@Suite(.serialized) struct RestoreWindowEndToEndTests {
    static let window: Int64 = 2_000

    @Test(arguments: ClusterStorage.allCases)
    func pastItsWindowADeleteIsRefusedWith410AndWhatItKeptIsPurged(storage: ClusterStorage) throws {
        let cluster = try TestCluster(shards: 2, storage: storage, environment: ["TETHER_RESTORE_WINDOW": "\(Self.window / 1000)s"])
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let tenant = RestoreTenant(contacts: 600)
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: tenant.body).status == 200)
        #expect(try cluster.purgedRecords() == 0, "the purge counter is missing or counts something already")

        let deleteId = try cluster.startJob("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true}"#)
        let deleted = try cluster.waitForJob(deleteId, token: admin)
        #expect(deleted["status"] as? String == "completed" && deleted["deleted"] as? Int == tenant.contacts.count, "\(deleted)")
        #expect(deleted["permanent"] as? Bool == false, "\(deleted)")
        let until = try #require(epochMilliseconds(deleted["restorableUntil"]), "\(deleted)")
        let finished = try #require(epochMilliseconds(deleted["finishedAt"]), "\(deleted)")
        #expect(abs(until - finished - Self.window) <= 100, "\(deleted)")

        // Past the window it is refused, whether the purge has come yet or not.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        if until + 100 > now { usleep(useconds_t((until + 100 - now) * 1000)) }
        let late = try cluster.restore(deleteId, token: admin)
        #expect(late.status == 410 && late.json["message"] is String, "\(late)")

        // The purge: the job says so, /metrics counts it, and the shards keep nothing of it.
        var job: [String: Any] = [:]
        let purged = try eventually(timeout: .seconds(30)) {
            job = try cluster.send("GET", "/api/contacts/bulk-job/\(deleteId)", token: admin).json
            return job["restorableUntil"] is NSNull
        }
        #expect(purged, "the job never showed its purge: \(job)\(cluster.logs())")
        #expect(job["status"] as? String == "completed" && job["restoredBy"] is NSNull, "\(job)")
        var counted: Double?
        // Kept contacts and their cascade: at least one purged record per deleted contact.
        let metered = try eventually(timeout: .seconds(10)) {
            counted = try cluster.purgedRecords()
            return (counted ?? 0) >= Double(tenant.contacts.count)
        }
        #expect(metered, "tether_purged_records_total is \(String(describing: counted))")
        let kept = try cluster.keptRows()
        #expect(kept.values.allSatisfy { $0 == 0 }, "kept after the purge: \(kept)")
        #expect(try cluster.restore(deleteId, token: admin).status == 410)
        let stats = try cluster.stats(token: admin)
        #expect(RestoreTenant.recordCounts.allSatisfy { stats[$0] == 0 }, "\(stats)")
    }
}
