#if canImport(Glibc)
import Glibc
#endif
import Foundation
import PostgresDriver
import TestSupport
import Testing
import WireRuntime

/// `scripts/pg` changes nothing it did not make: run as root (as CI runs), it leaves every
/// directory above DIR as it found it, writes its own files only in a DIR that is root's, and
/// runs the server as postgres in a directory it made for it as that user.
@Suite(.serialized) struct PrivateServerScriptTests {
    private let pg = repositoryRoot.appendingPathComponent("scripts/pg").path

    private struct Ownership: Equatable {
        let uid: UInt32, gid: UInt32, mode: UInt32
        init(_ path: String) throws {
            var status = stat()
            guard lstat(path, &status) == 0 else { throw SystemCallError(call: "lstat", errno: errno, context: path) }
            uid = status.st_uid
            gid = status.st_gid
            mode = status.st_mode & 0o7777
        }
    }

    /// A data directory inside a root-private home (mode 0700), as `scripts/cluster` in `/root` makes it.
    private func privateParent() throws -> String {
        var template = Array("/tmp/tb-home-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemCallError(call: "mkdtemp", errno: errno) }
        let home = String(cString: made)
        try FileManager.default.createDirectory(atPath: "\(home)/.cluster", withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        return home
    }

    @Test func aServerUnderARootPrivateDirectoryLeavesEveryDirectoryAboveItAsItWas() throws {
        let home = try privateParent()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let before = try [home, "\(home)/.cluster"].map(Ownership.init)
        let directory = "\(home)/.cluster/pg"
        defer { _ = try? runCommand(pg, ["remove", directory]) }

        let started = try runCommand(pg, ["start", directory, "--port", "5461"])
        try #require(started.status == 0, "\(started.output)")
        let url = try #require(started.output.split(separator: "\n").last.map(String.init))
        #expect(try PostgresConnection(url).scalar("SELECT 1") == 1)
        #expect(try [home, "\(home)/.cluster"].map(Ownership.init) == before, "scripts/pg changed a directory it did not make")

        // Root's own files are in a directory of root's own; the server's are the server user's.
        let ownFiles = try FileManager.default.contentsOfDirectory(atPath: directory)
        for path in [directory] + ownFiles.map({ "\(directory)/\($0)" }) {
            #expect(try Ownership(path).uid == getuid(), "\(path) is not owned by the user who ran scripts/pg")
        }
        #expect(try Ownership(directory).mode == 0o700)
        let server = try #require(url.split(separator: " ").first { $0.hasPrefix("host=") }.map { String($0.dropFirst(5)) })
        if getuid() == 0 {
            #expect(!server.hasPrefix(home), "the server runs where the postgres user can reach it, outside root's home")
            #expect(try Ownership(server).uid == getpwnam("postgres").pointee.pw_uid)
        }

        #expect(try runCommand(pg, ["stop", directory]).status == 0)
        #expect(try runCommand(pg, ["status", directory]).status != 0)
        #expect(try runCommand(pg, ["remove", directory]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: server) && !FileManager.default.fileExists(atPath: directory))
        #expect(try [home, "\(home)/.cluster"].map(Ownership.init) == before)
    }

    /// Root never writes in a directory another user owns, where that user could have placed a
    /// symbolic link for root to follow: such a DIR is refused, saying why, and nothing is written.
    @Test(.enabled(if: getuid() == 0, "only root could be led to write through another user's link"))
    func asRootADirectoryOwnedByAnotherUserIsRefused() throws {
        let home = try privateParent()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let directory = "\(home)/.cluster/pg"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let postgres = getpwnam("postgres").pointee
        try #require(chown(directory, postgres.pw_uid, postgres.pw_gid) == 0)
        let target = "\(home)/precious"
        try "keep me\n".write(toFile: target, atomically: false, encoding: .utf8)
        try #require(symlink(target, "\(directory)/port") == 0)

        let refused = try runCommand(pg, ["start", directory, "--port", "5462"])
        #expect(refused.status != 0)
        #expect(refused.output.contains("belongs to postgres, not root"), "\(refused.output)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me\n")
        #expect(try Ownership(target).uid == 0)
    }
}
