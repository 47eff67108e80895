import Foundation
import TestSupport
import Testing

/// `GET /api/contacts/stats?by=…` and `scripts/tether stats` over a real 4-shard cluster: the
/// contacts counted by stage and by owner sum to the totals and match what was imported.
@Suite(.serialized) struct StatsEndToEndTests {
    @Test(arguments: ClusterStorage.allCases)
    func contactsCountedByStageAndOwnerMatchTheImportAndSumToTheTotals(storage: ClusterStorage) throws {
        let (cluster, admin) = try TestCluster.seeded(shards: 4, contacts: 300, storage: storage)
        defer { cluster.stop() }
        let other = try cluster.token(org: "org-b", user: "u9")
        let orgB = DataEndToEndTests.dataSet(org: 2, count: 40).map(\.line).joined(separator: "\n")
        #expect(try cluster.send("POST", "/api/contacts/import", token: other, body: orgB).status == 200)

        // The data set: stage s(i % 3), so 100 each; unowned when i % 4 == 0 (75), else u(i % 2): u1 150, u0 75.
        let byStage = try cluster.send("GET", "/api/contacts/stats?by=stage", token: admin)
        #expect(byStage.status == 200, "\(byStage)")
        #expect(byStage.json["by"] as? String == "stage" && byStage.json["truncated"] as? Bool == false, "\(byStage)")
        let stages = try #require(byStage.json["groups"] as? [[String: Any]])
        #expect(stages.map { "\($0["stageId"] as? String ?? "?")=\($0["contacts"] as? Int ?? -1)" } == ["s0=100", "s1=100", "s2=100"])

        let byOwner = try cluster.send("GET", "/api/contacts/stats?by=owner", token: admin)
        let owners = try #require(byOwner.json["groups"] as? [[String: Any]], "\(byOwner)")
        #expect(owners.map { "\($0["assignedTo"] as? String ?? "null")=\($0["contacts"] as? Int ?? -1)" } == ["u1=150", "u0=75", "null=75"])
        #expect(owners.last.map { $0["assignedTo"] is NSNull } == true, "the unowned are the null key")

        let totals = try cluster.send("GET", "/api/contacts/stats", token: admin)
        let contacts = try #require(totals.json["contacts"] as? Int, "\(totals)")
        for groups in [stages, owners] { #expect(groups.reduce(0) { $0 + ($1["contacts"] as? Int ?? 0) } == contacts) }

        let refused = try cluster.send("GET", "/api/contacts/stats?by=stages", token: admin)
        #expect(refused.status == 400 && refused.json["error"] as? String != nil, "\(refused)")
        #expect((refused.json["message"] as? String ?? "").contains("by must be one of stage, owner"), "\(refused)")

        let table = try cluster.script("tether", ["--org", "org-a", "stats", "--by", "owner"])
        #expect(table.status == 0, "\(table.output)")
        let lines = table.output.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines == ["owner contacts", "u1 150", "u0 75", "(unowned) 75"], "\(table.output)")
        let stageTable = try cluster.script("tether", ["--org", "org-a", "stats", "--by", "stage"])
        #expect(stageTable.status == 0 && stageTable.output.hasPrefix("stage ") && stageTable.output.contains("s2 "), "\(stageTable.output)")
        let plain = try cluster.script("tether", ["--org", "org-a", "stats"])
        #expect(plain.status == 0 && plain.output.split(separator: "\n").first?.split(separator: " ") == ["contacts", "300"], "\(plain.output)")
    }
}
