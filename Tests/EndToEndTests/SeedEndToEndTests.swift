import Foundation
import TestSupport
import Testing
import Wire

/// `scripts/seed` sends a tenant larger than one import allows as several imports of whole lines,
/// so no contact is left out silently at the import limit.
@Suite(.serialized) struct SeedEndToEndTests {
    /// About 1.5 kB a contact: 300 contacts are about 450 kB, nine times the cluster's import limit.
    static let limit = ["TETHER_MAX_IMPORT_BYTES": "50000"]

    private static func json(_ output: String) throws -> [String: Any] {
        let line = try #require(output.split(separator: "\n").last, "\(output)")
        return try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(output)")
    }

    @Test func aTenantLargerThanOneImportGoesInAsSeveralAndTheTotalsAreItsOwn() throws {
        let cluster = try TestCluster(shards: 2, environment: Self.limit)
        defer { cluster.stop() }
        try cluster.start()
        let seeded = try cluster.script("seed", ["--org", "org-1", "--contacts", "300", "--request-bytes", "40000", "--quiet"])
        #expect(seeded.status == 0, "\(seeded.output)")
        let result = try Self.json(seeded.output)
        #expect(result["imported"] as? [String: Int] == ["contacts": 300, "applications": 0, "conversations": 600, "messages": 3_000])
        #expect((result["imports"] as? Int ?? 0) >= 10, "\(seeded.output)")
        #expect(result["seconds"] is Double, "\(seeded.output)")
        let token = try cluster.token(org: "org-1", user: "u")
        #expect(try cluster.send("GET", "/api/contacts/stats", token: token).json["contacts"] as? Int == 300)

        // Without --request-bytes each import stays within TETHER_MAX_IMPORT_BYTES.
        let again = try cluster.script("seed", ["--org", "org-2", "--contacts", "100", "--quiet"])
        #expect(again.status == 0, "\(again.output)")
        #expect((try Self.json(again.output)["imported"] as? [String: Int])?["contacts"] == 100, "\(again.output)")
    }

    @Test func anImportThatStopsEarlySaysWhichTenantLineToResumeFrom() throws {
        let cluster = try TestCluster(shards: 1, environment: Self.limit)
        defer { cluster.stop() }
        try cluster.start()
        let seeded = try cluster.script("seed", ["--org", "org-1", "--contacts", "300", "--request-bytes", "80000", "--quiet"])
        #expect(seeded.status == 1, "\(seeded.output)")
        #expect(seeded.output.contains("import 1 answered 413 at tenant line"), "\(seeded.output)")
        #expect(seeded.output.contains("imported before it stopped"), "\(seeded.output)")
        #expect(!seeded.output.contains("Traceback"), "\(seeded.output)")
    }
}
