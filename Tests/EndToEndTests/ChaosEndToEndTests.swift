#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// `scripts/chaos` on the debug build: an org-wide delete of 200,000 contacts
/// while shards are SIGKILLed up to five times, one is paused for 1.5 s, the
/// coordinator and the gateway are each SIGKILLed and started again, and last
/// a just-spawned shard is stopped for good (only the supervisor's start
/// deadline can rescue the job); then every invariant checked (job counters,
/// stats, audit log, SSE events, the shard databases themselves). See
/// docs/reliability.md.
///
/// Sized so every fault lands while the job runs: each shard's slice must take
/// several batches, so that the paused shard (chosen among those that still had
/// work at the last poll) is not already done, and the whole job must outlast
/// the kills, both restarts, the pause and the successor pause. A tenant small
/// enough for the debug build to delete before the last of them lets the job
/// end early, and a fault that never came fails the test ("skipped"). Most of
/// the run is seeding.
@Suite(.serialized) struct ChaosEndToEndTests {
    @Test func shardsKilledDuringAnOrgWideDeleteLoseAndDuplicateNothing() throws {
        // Only for its free port, its temporary directory and the debug
        // binaries (passed on as TETHER_BIN): scripts/chaos starts and stops
        // the cluster itself. stop() removes the directory and kills anything left.
        let cluster = try TestCluster(shards: 4)
        defer { cluster.stop() }
        let (status, output) = try cluster.script("chaos", [
            "--contacts", "200000", "--kills", "5", "--interval-ms", "100", "--seed", "7",
            "--shards", "4", "--port", "\(cluster.port)", "--data", cluster.data,
            // The job ends within about 12 s of the last fault (the 10 s start deadline); a stalled one fails in 60 s.
            "--job-timeout", "60",
        ])
        #expect(status == 0, "scripts/chaos exited with \(status):\n\(output)")
        // The successor pause is the last fault: it may come (at 70 %) before the fifth kill.
        #expect(output.contains(/chaos: [1-5] kills, 0 violations/), "\(output)")
        #expect(!output.contains("violation:"), "\(output)")
        // Every fault landed while the job ran: none was skipped.
        for fault in ["coordinator kill", "gateway kill", "successor pause", "pause"] {
            #expect(!output.contains("\(fault): skipped"), "\(fault) did not happen:\n\(output)")
        }
    }

    /// The same faults on a cluster on PostgreSQL, and one more: the database server crashes
    /// (immediate shutdown) once the job is 15 % done, stays down 4 s, and comes back through
    /// crash recovery. 100,000 contacts: the debug build deletes more slowly on PostgreSQL, so
    /// half the SQLite test's tenant still outlasts every fault.
    @Test func theSameFaultsAndADatabaseServerCrashLoseAndDuplicateNothingOnPostgreSQL() throws {
        let cluster = try TestCluster(shards: 4, storage: .postgres)
        defer { cluster.stop() }
        let (status, output) = try cluster.script("chaos", [
            "--contacts", "100000", "--kills", "5", "--interval-ms", "100", "--seed", "7",
            "--shards", "4", "--port", "\(cluster.port)", "--data", cluster.data, "--storage", "postgres", "--job-timeout", "60",
        ])
        #expect(status == 0, "scripts/chaos exited with \(status):\n\(output)")
        #expect(output.contains(/chaos: [1-5] kills, 0 violations/), "\(output)")
        #expect(!output.contains("violation:"), "\(output)")
        for fault in ["coordinator kill", "gateway kill", "successor pause", "pause", "database crash"] {
            #expect(!output.contains("\(fault): skipped"), "\(fault) did not happen:\n\(output)")
        }
        #expect(output.contains("database crash: the server crashed"), "\(output)")
    }
}
