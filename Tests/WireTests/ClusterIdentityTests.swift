import Foundation
import Testing
import WireRuntime

/// A cluster's id is made once, private to its owner, and read back the same ever after.
@Suite struct ClusterIdentityTests {
    @Test func anIdIsMadeOnceInAPrivateFileAndKept() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-id-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let layout = ClusterLayout(dataDirectory: directory)
        #expect(try ClusterIdentity.load(layout) == nil)
        let made = try ClusterIdentity.loadOrCreate(layout)
        #expect(made.id.count == 32 && made.file == "\(directory)/cluster.id")
        #expect(try ClusterIdentity.loadOrCreate(layout) == made)
        #expect(try ClusterIdentity.load(layout) == made)
        let mode = try FileManager.default.attributesOfItem(atPath: made.file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try FileManager.default.createDirectory(atPath: "\(directory)/another", withIntermediateDirectories: true)
        #expect(try ClusterIdentity.loadOrCreate(ClusterLayout(dataDirectory: "\(directory)/another")).id != made.id)
    }

    @Test func aFileThatIsNotAnIdIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-id-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "not an id\n".write(toFile: "\(directory)/cluster.id", atomically: true, encoding: .utf8)
        #expect(throws: ClusterIdentityError.unreadable(path: "\(directory)/cluster.id")) { try ClusterIdentity.load(ClusterLayout(dataDirectory: directory)) }
    }
}
