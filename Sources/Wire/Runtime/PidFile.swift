#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `DIR/run/<name>.pid`: written when a process starts (or is restarted), removed when it stops.
package enum PidFile {
    /// Writes `pid` atomically (temporary file, then rename), so a reader never sees half a number.
    package static func write(_ pid: Int32, to path: String) throws {
        try "\(pid)\n".write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The pid recorded at `path`, or nil when there is none or it is not a number.
    package static func read(_ path: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Removes `path` only while it still names `pid`, so a stopping process never deletes its successor's file.
    package static func remove(_ path: String, ifOwnedBy pid: Int32) {
        if read(path) == pid { unlink(path) }
    }

    /// Creates `path` (and parents) with `mode`, and enforces the mode when it already exists.
    package static func makeDirectory(_ path: String, mode: UInt32) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try systemCallBlocking("chmod", path) { chmod(path, mode_t(mode)) }
    }
}
