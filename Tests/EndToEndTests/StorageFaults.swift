#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SQLiteDriver
import Testing
import WireRuntime

/// A shard database's lock, held by the test as another process would hold it
/// (a backup tool, a stale shard), until `release()`.
final class HeldDatabaseLock {
    private var database: SQLiteDatabase?

    fileprivate init(path: String) throws {
        let database = try SQLiteDatabase(path: path)
        // As the shard itself locks it: exclusive locking mode, then a write transaction left open.
        try database.execute("PRAGMA busy_timeout=5000; PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE meta SET value = value WHERE key = 'schema'")
        self.database = database
    }

    func release() {
        try? database?.execute("ROLLBACK")
        database = nil
    }
}

extension TestCluster {
    func databasePath(ofShard index: Int) -> String { "\(layout.shardsDirectory)/\(ClusterLayout.shardName(index)).db" }

    /// Kills shard `index` and runs `body` on its database's path before its
    /// restart: the coordinator is paused meanwhile.
    private func whileShardIsDown<T>(_ index: Int, _ body: (String) throws -> T) throws -> T {
        let pids = currentPids()
        let coordinator = try #require(pids["coordinator"])
        let shard = try #require(pids[ClusterLayout.shardName(index)])
        kill(coordinator, SIGSTOP)
        defer { kill(coordinator, SIGCONT) }
        kill(shard, SIGKILL)
        return try body(databasePath(ofShard: index))
    }

    /// Kills shard `index` and takes its database's lock before its restart,
    /// so the restarted shard finds the lock held.
    func seizeDatabase(ofShard index: Int) throws -> HeldDatabaseLock {
        try whileShardIsDown(index) { try HeldDatabaseLock(path: $0) }
    }

    /// Makes deleting contact `id` fail on shard `index` (a trigger that
    /// aborts it, as a constraint would), restarting the shard to do so.
    func makeDeletingFail(contact id: String, onShard index: Int) throws {
        try whileShardIsDown(index) { path in
            let database = try SQLiteDatabase(path: path)
            // The killed shard's lock goes with its process, a moment after the kill.
            try database.execute("PRAGMA busy_timeout=5000")
            try database.execute("CREATE TRIGGER fault BEFORE DELETE ON contacts WHEN old.id = '\(id)' BEGIN SELECT RAISE(ABORT, 'injected'); END")
        }
    }
}

/// A small tmpfs mounted over a cluster's shards directory before it starts:
/// a disk the test fills and frees. Mounting needs root (CI runs as root).
final class SmallFilesystem {
    let path: String
    private var filler: String { "\(path)/filler" }

    /// Whether this process may mount one, tried once on a scratch directory.
    static let canMount: Bool = {
        var template = Array("/tmp/tb-mount-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { return false }
        let path = String(cString: made)
        defer { rmdir(path) }
        guard mount("tmpfs", path, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount2(path, Int32(MNT_DETACH))
        return true
    }()

    init(at path: String, bytes: Int) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard mount("tmpfs", path, "tmpfs", 0, "size=\(bytes)") == 0 else { throw SystemCallError(call: "mount", errno: errno, context: path) }
    }

    /// Writes a file until the filesystem has no space left.
    func fill() throws {
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw SystemCallError(call: "open", errno: errno, context: filler) }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0, count: 4096)
        while write(fd, chunk, chunk.count) > 0 {}
        guard errno == ENOSPC else { throw SystemCallError(call: "write", errno: errno, context: filler) }
    }

    func free() { unlink(filler) }

    /// Detaches the mount even while files on it are still open.
    func unmount() { umount2(path, Int32(MNT_DETACH)) }
}
