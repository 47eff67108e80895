import Foundation
import TestSupport
import Testing

/// Each binary links only the C libraries it calls. The gateway, the one process that faces the
/// internet, must carry neither database client: a flaw in libpq or SQLite is then no way into it.
/// Read from `ldd` of the binaries `swift test` built, so a target that starts depending on the
/// wrong shim fails here rather than in a review.
@Suite struct LinkedLibrariesTests {
    /// What `ldd` lists for `binary`: one library a line, with the file it resolves to.
    private func libraries(of binary: String) throws -> String {
        let path = "\(try TestCluster.binaryDirectory(repo: repositoryRoot))/\(binary)"
        let (status, output) = try runCommand("/usr/bin/ldd", [path])
        try #require(status == 0, "ldd \(path) failed: \(output)")
        return output
    }

    @Test func theGatewayLinksNeitherLibpqNorSQLite() throws {
        let linked = try libraries(of: "gateway")
        #expect(!linked.contains("libpq"), "\(linked)")
        #expect(!linked.contains("libsqlite3"), "\(linked)")
        // What it does link shows up: the absences above are not an empty listing.
        #expect(linked.contains("libcrypto"), "\(linked)")
    }

    @Test(arguments: ["shard", "coordinator"])
    func aProcessThatKeepsDataLinksBothEngines(_ binary: String) throws {
        let linked = try libraries(of: binary)
        #expect(linked.contains("libpq"), "\(linked)")
        #expect(linked.contains("libsqlite3"), "\(linked)")
    }
}
