#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import Wire

/// Storage faults under a running cluster: a shard database that is locked,
/// damaged or on a full disk ends its job `failed` with the reason in
/// `errors`, or delays it until the fault passes; never a "completed" that
/// deleted less than it says.
@Suite(.serialized) struct StorageFaultEndToEndTests {
    static let contacts = 2_000
    static let orgWide = #"{"orgWide":true}"#

    /// A two-shard cluster holding `contacts` contacts of org-a; `beforeStart` prepares its directory.
    private func started(_ beforeStart: (TestCluster) throws -> Void = { _ in }) throws -> (TestCluster, String) {
        let cluster = try TestCluster(shards: 2)
        try beforeStart(cluster)
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let body = DataEndToEndTests.dataSet(org: 1, count: Self.contacts).map(\.line).joined(separator: "\n")
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: body).status == 200)
        return (cluster, admin)
    }

    private func startDelete(_ cluster: TestCluster, _ admin: String) throws -> String {
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: Self.orgWide)
        return try #require(started.json["jobId"] as? String, "\(started)")
    }

    private func remaining(_ cluster: TestCluster, _ admin: String) throws -> Int? {
        try cluster.send("POST", "/api/contacts/query-count", token: admin, body: Self.orgWide).json["count"] as? Int
    }

    private func messages(_ job: [String: Any]) -> [String] {
        (job["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
    }

    private func sliceStatuses(_ job: [String: Any]) -> [String] {
        (job["shards"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
    }

    /// Releases the lock that held `jobId` back; the job then completes, deleting every contact.
    private func releaseThenExpectCompleted(_ lock: HeldDatabaseLock, _ jobId: String, _ cluster: TestCluster, _ admin: String, seen: inout Set<Int32>) throws {
        lock.release()
        let job = try cluster.waitForJob(jobId, token: admin)
        seen.formUnion(cluster.currentPids().values)
        #expect(job["status"] as? String == "completed", "\(job)")
        #expect(job["deleted"] as? Int == Self.contacts)
        #expect(job["total"] as? Int == Self.contacts)
    }

    // MARK: - Locked

    @Test func aDatabaseLockedByAnotherProcessHoldsItsSliceBackUntilReleasedThenTheJobCompletesExactly() throws {
        let (cluster, admin) = try started()
        var seen = Set(cluster.currentPids().values)
        defer { cluster.stop(everSeen: seen) }
        let lock = try cluster.seizeDatabase(ofShard: 0)
        defer { lock.release() }
        let jobId = try startDelete(cluster, admin)
        // The restarted shard finds the lock held and exits as such (75), again and again.
        #expect(eventually { cluster.logs().contains("died with exit code 75") }, "\(cluster.logs())")
        let held = try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: admin).json
        #expect(held["status"] as? String == "running", "\(held)")
        #expect(sliceStatuses(held).first != "completed")

        try releaseThenExpectCompleted(lock, jobId, cluster, admin, seen: &seen)
        let stats = try cluster.send("GET", "/api/contacts/stats", token: admin).json as? [String: Int]
        #expect(stats?["contacts"] == 0)
        #expect(stats?["auditEntries"] == Self.contacts)
    }

    @Test func aDatabaseLockedPastTheRestartIntensityCoolsItsShardDownAndTheJobWaitsThenCompletesExactly() throws {
        setenv("TETHER_MAX_RESTARTS", "2", 1)
        defer { unsetenv("TETHER_MAX_RESTARTS") }
        let (cluster, admin) = try started()
        var seen = Set(cluster.currentPids().values)
        defer { cluster.stop(everSeen: seen) }
        let lock = try cluster.seizeDatabase(ofShard: 1)
        defer { lock.release() }
        // Restarts after 50 and 100 ms, each exiting after its 1 s busy timeout, then the third exit cools down.
        #expect(eventually(timeout: .seconds(20)) { cluster.logs().contains("cooling down, starting it again in 5.0 seconds") }, "\(cluster.logs())")
        #expect(cluster.logs().contains("shard 1 exited more than 2 times within 60.0 seconds; the last time its database is locked by another process"))
        #expect(try cluster.get("/healthz").status == 503)

        let jobId = try startDelete(cluster, admin)
        // Its slice waits for the shard instead of failing.
        let waiting = try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: admin).json
        #expect(["queued", "running"].contains(waiting["status"] as? String ?? ""), "\(waiting)")
        #expect(sliceStatuses(waiting).last != "failed")

        try releaseThenExpectCompleted(lock, jobId, cluster, admin, seen: &seen)
        #expect(try cluster.get("/healthz").status == 200)
    }

    // MARK: - One record

    @Test func aRecordThatCannotBeDeletedIsCountedAsFailedAndTheJobCompletesWithErrors() throws {
        let (cluster, admin) = try started()
        var seen = Set(cluster.currentPids().values)
        defer { cluster.stop(everSeen: seen) }
        let map = PartitionMap.even(shards: 2)
        let victim = try #require(DataEndToEndTests.dataSet(org: 1, count: Self.contacts).map(\.id).first { map.shard(of: $0) == 0 })
        try cluster.makeDeletingFail(contact: victim, onShard: 0)
        let jobId = try startDelete(cluster, admin)
        let job = try cluster.waitForJob(jobId, token: admin)
        seen.formUnion(cluster.currentPids().values)
        #expect(job["status"] as? String == "completed_with_errors", "\(job)")
        #expect(job["failed"] as? Int == 1)
        #expect(job["deleted"] as? Int == Self.contacts - 1)
        #expect(job["processed"] as? Int == job["total"] as? Int)
        let errors = job["errors"] as? [[String: Any]] ?? []
        #expect(errors.count == 1)
        #expect(errors.first?["contactId"] as? String == victim)
        #expect((errors.first?["message"] as? String)?.contains("injected") == true, "\(errors)")
        #expect(try remaining(cluster, admin) == 1)
    }

    // MARK: - Corrupt

    @Test func aDatabaseThatIsNotADatabaseIsGivenUpOnAtOnceAndItsJobFailsSayingWhy() throws {
        let (cluster, admin) = try started()
        let seen = Set(cluster.currentPids().values)
        defer { cluster.stop(everSeen: seen) }
        let path = cluster.databasePath(ofShard: 1)
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        FileManager.default.createFile(atPath: path, contents: Data(repeating: 0xA5, count: 8192))
        kill(try #require(cluster.currentPids()["shard-1"]), SIGKILL)

        #expect(eventually { cluster.logs().contains("giving up on it") }, "\(cluster.logs())")
        // No restart could open it, so none was tried beyond the one that found it corrupt.
        #expect(cluster.logs().components(separatedBy: "died with exit code 65").count == 2, "\(cluster.logs())")
        let jobId = try startDelete(cluster, admin)
        let job = try cluster.waitForJob(jobId, token: admin)
        #expect(job["status"] as? String == "failed", "\(job)")
        #expect(messages(job).contains { $0.contains("shard 1 cannot run: its database is corrupt or not a SQLite database (exit code 65)") }, "\(messages(job))")
    }

    @Test func aDamagedTableFailsTheJobWithTheErrorAndCountsOnlyWhatWasDeleted() throws {
        let (cluster, admin) = try started()
        var seen = Set(cluster.currentPids().values)
        defer { cluster.stop(everSeen: seen) }
        #expect(try cluster.script("cluster", ["stop", "--data", cluster.data]).status == 0)
        try DatabaseDamage.corruptTable("messages", in: cluster.databasePath(ofShard: 0))
        try cluster.start()
        seen.formUnion(cluster.currentPids().values)

        let job = try cluster.waitForJob(try startDelete(cluster, admin), token: admin)
        #expect(job["status"] as? String == "failed", "\(job)")
        #expect(sliceStatuses(job) == ["failed", "completed"])
        #expect(messages(job).contains { $0.contains("malformed") && $0.contains("restore it from a backup") }, "\(messages(job))")
        // Shard 0's batch rolled back whole: what is left is exactly what the job did not count as deleted.
        let deleted = try #require(job["deleted"] as? Int)
        #expect(deleted > 0)
        #expect(try remaining(cluster, admin) == Self.contacts - deleted)
        #expect(job["processed"] as? Int == deleted)
    }

    // MARK: - Full disk

    /// Runs `body` on a cluster whose shards directory is a small tmpfs, filled to the last byte after the import.
    private func onFullDisk(_ body: (TestCluster, String, SmallFilesystem) throws -> Void) throws {
        var disk: SmallFilesystem?
        defer { disk?.unmount() }
        let (cluster, admin) = try started { disk = try SmallFilesystem(at: $0.layout.shardsDirectory, bytes: 48 << 20) }
        let seen = Set(cluster.currentPids().values)
        defer {
            cluster.stop(everSeen: seen)
            // The mount point kept the directory from being removed.
            disk?.unmount()
            try? FileManager.default.removeItem(atPath: cluster.data)
        }
        let full = try #require(disk)
        try full.fill()
        try body(cluster, admin, full)
    }

    @Test(.enabled(if: SmallFilesystem.canMount, "mounting a small tmpfs needs root"))
    func aFullDiskFailsTheJobWithTheErrorAndARunAfterSpaceIsFreedDeletesTheRestExactly() throws {
        try onFullDisk { cluster, admin, disk in
            let failed = try cluster.waitForJob(try startDelete(cluster, admin), token: admin)
            #expect(failed["status"] as? String == "failed", "\(failed)")
            #expect(messages(failed).contains { $0.contains("database or disk is full") && $0.contains("Free disk space") }, "\(messages(failed))")
            let deleted = try #require(failed["deleted"] as? Int)
            let left = try #require(try remaining(cluster, admin))
            #expect(left + deleted == Self.contacts)
            #expect(left > 0)

            disk.free()
            let rerun = try cluster.waitForJob(try startDelete(cluster, admin), token: admin)
            #expect(rerun["status"] as? String == "completed", "\(rerun)")
            #expect(rerun["total"] as? Int == left)
            #expect(rerun["deleted"] as? Int == left)
            let stats = try cluster.send("GET", "/api/contacts/stats", token: admin).json as? [String: Int]
            #expect(stats?["contacts"] == 0)
            #expect(stats?["auditEntries"] == Self.contacts)
        }
    }

    @Test(.enabled(if: SmallFilesystem.canMount, "mounting a small tmpfs needs root"))
    func spaceFreedWhileABatchRetriesLetsTheJobCompleteExactly() throws {
        try onFullDisk { cluster, admin, disk in
            let jobId = try startDelete(cluster, admin)
            #expect(eventually { cluster.logs().contains("database or disk is full") && cluster.logs().contains("retrying in") }, "\(cluster.logs())")
            disk.free()
            let job = try cluster.waitForJob(jobId, token: admin)
            #expect(job["status"] as? String == "completed", "\(job)")
            #expect(job["deleted"] as? Int == Self.contacts)
            #expect(job["total"] as? Int == Self.contacts)
            #expect(messages(job).isEmpty)
            let stats = try cluster.send("GET", "/api/contacts/stats", token: admin).json as? [String: Int]
            #expect(stats?["contacts"] == 0)
            #expect(stats?["auditEntries"] == Self.contacts)
        }
    }
}
