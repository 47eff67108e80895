#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// `scripts/chaos` on the debug build: an org-wide delete of 100,000 contacts
/// while shards are SIGKILLed five times and one is paused for 1.5 s, then
/// every invariant checked (job counters, stats, audit log, SSE events, the
/// shard databases themselves). See docs/reliability.md.
///
/// Sized so the kills land while the job runs: the debug build deletes about
/// 100,000 contacts a second in batches of 10,000, so with 40,000 a shard's
/// whole slice was one batch, and the paused shard (chosen among those that
/// still had work at the last poll) could already be done, letting the job
/// end after four kills (2 runs of 5). With 100,000 each slice takes about
/// three batches; the paused shard then holds the job open for the 1.5 s of
/// its pause. About 30 s on two cores, most of it seeding.
@Suite(.serialized) struct ChaosEndToEndTests {
    @Test func shardsKilledDuringAnOrgWideDeleteLoseAndDuplicateNothing() throws {
        // Only for its free port, its temporary directory and the debug
        // binaries (passed on as TETHER_BIN): scripts/chaos starts and stops
        // the cluster itself. stop() removes the directory and kills anything left.
        let cluster = try TestCluster(shards: 4)
        defer { cluster.stop() }
        let (status, output) = try cluster.script("chaos", [
            "--contacts", "100000", "--kills", "5", "--interval-ms", "100", "--seed", "7",
            "--shards", "4", "--port", "\(cluster.port)", "--data", cluster.data,
            // The job ends within about 2 s of the last kill; a stalled one fails in 30 s, not the default 180.
            "--job-timeout", "30",
        ])
        #expect(status == 0, "scripts/chaos exited with \(status):\n\(output)")
        #expect(output.contains("chaos: 5 kills, 0 violations"), "\(output)")
        #expect(!output.contains("violation:"), "\(output)")
    }
}
