import SQLiteDriver

/// Giving the space of deleted records back to the file system (SQLite).
///
/// A shard's database keeps `auto_vacuum = INCREMENTAL`: freed pages stay in the
/// file until `PRAGMA incremental_vacuum` moves them out, a few at a time. New
/// databases get it before their first table. An older one (`auto_vacuum = NONE`)
/// can only change by a full `VACUUM`, which rewrites every live page while the
/// writer waits: that is done only while the live data is small
/// (`convertByVacuumUpToPages`), at open or once idle after large deletes (when
/// it has just become small). A larger one keeps `NONE`: its free pages are
/// reused by later imports but not returned; at 10 million contacts (16 GB) a
/// full VACUUM would hold the shard's writer for minutes.
extension SQLiteShardStore {
    /// Pages (4 KiB) each step of the incremental vacuum gives back: 4 MiB, one write transaction
    /// that takes about as long as a delete batch (`BatchSizer.target`; docs/benchmarks.md, "Disk
    /// after a large delete"), so that a batch or an import that arrives meanwhile waits for one
    /// step at most, never for the whole reclaim. Reads never wait (WAL).
    static let reclaimPagesPerStep = 1_024

    /// The most live pages (4 KiB: 64 MiB) a database without incremental vacuum is rewritten
    /// with a full `VACUUM` to gain it: a couple of seconds of the writer's time, once in the
    /// database's life (docs/benchmarks.md, "Disk after a large delete"). Beyond it the
    /// database is left as it is (its free pages are reused, not returned).
    static let convertByVacuumUpToPages = 16_384

    /// `PRAGMA auto_vacuum`'s value for INCREMENTAL.
    private static let incremental: Int64 = 2

    /// Gives `database` incremental vacuum when it lacks it and it has at most `upToPages` live
    /// pages to rewrite; whether it has it now. Outside any transaction (VACUUM cannot run in one).
    static func convertToIncrementalVacuum(_ database: SQLiteDatabase, upToPages: Int) throws -> Bool {
        guard try database.scalar("PRAGMA auto_vacuum") != incremental else { return true }
        let live = try database.scalar("PRAGMA page_count") - database.scalar("PRAGMA freelist_count")
        guard live <= Int64(upToPages) else { return false }
        try database.execute("PRAGMA auto_vacuum = INCREMENTAL; VACUUM")
        return true
    }

    /// One step of giving free pages back once the shard is idle after many deletes
    /// (`ReclaimSchedule`); the bytes it gave back (0 when there is nothing to do now). The caller
    /// comes back for the next step, so anything else queued for the store goes between two
    /// steps, and a write stops the reclaim until the shard is idle again. The last step
    /// truncates the WAL, which is when the file itself shrinks.
    func reclaimSpaceStep(at now: ContinuousClock.Instant) throws -> Int {
        guard reclaim.isDue(at: now) else { return 0 }
        let pagesBefore = try database.scalar("PRAGMA page_count")
        guard try Self.convertToIncrementalVacuum(database, upToPages: convertByVacuumUpToPages) else {
            reclaim.reclaimed()  // too large to rewrite: its free pages wait for the next imports
            return 0
        }
        if try database.scalar("PRAGMA freelist_count") > 0 {
            try database.execute("PRAGMA incremental_vacuum(\(Self.reclaimPagesPerStep))")
        } else if try database.checkpoint(truncating: true, waitForReaders: false) {
            // A reader on an old snapshot defers the truncation to the next call.
            reclaim.reclaimed()
        }
        let freed = try pagesBefore - database.scalar("PRAGMA page_count")
        return Int(freed) * Int(try database.scalar("PRAGMA page_size"))
    }
}
