#if canImport(Glibc)
import Glibc
#endif
import SQLiteDriver
import WireRuntime

/// Damages a closed SQLite database file the way a failing disk would, for
/// tests of what a shard does with it.
package enum DatabaseDamage {
    /// Overwrites the root page of `table` with garbage, after folding the
    /// write-ahead log into the file (a newer copy of the page there would
    /// hide the damage). The file still opens; reading that table fails with SQLITE_CORRUPT.
    package static func corruptTable(_ table: String, in path: String) throws {
        let (rootPage, pageSize): (Int64, Int64)
        do {
            let database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            let read = try database.prepare("SELECT rootpage FROM sqlite_schema WHERE name = ?")
            try read.bind([.text(table)])
            guard try read.step() else { throw SQLiteError(operation: "find \(table)", code: 1, message: "no table \(table) in \(path)") }
            rootPage = read.integer(0)
            pageSize = try database.scalar("PRAGMA page_size")
        }
        try overwrite(path, at: (rootPage - 1) * pageSize, count: Int(pageSize))
    }

    /// Overwrites the 100-byte file header, so the file is no longer a SQLite database at all.
    package static func destroyHeader(of path: String) throws {
        try overwrite(path, at: 0, count: 100)
    }

    private static func overwrite(_ path: String, at offset: Int64, count: Int) throws {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw SystemCallError(call: "open", errno: errno, context: path) }
        defer { close(fd) }
        let garbage = [UInt8](repeating: 0xA5, count: count)
        guard pwrite(fd, garbage, count, off_t(offset)) == count else { throw SystemCallError(call: "pwrite", errno: errno, context: path) }
    }
}
