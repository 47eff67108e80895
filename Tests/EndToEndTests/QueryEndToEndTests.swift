import Foundation
import TestSupport
import Testing

/// `POST /api/contacts/query` and a dry run's sample over a real 4-shard cluster: what a delete
/// would take, every match exactly once in id order across the shards, and nothing of another org.
@Suite(.serialized) struct QueryEndToEndTests {
    @Test func pagesEveryMatchOnceInIdOrderAndADryRunShowsTheFirstTwenty() throws {
        let cluster = try TestCluster(shards: 4)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "admin-a")
        let agent = try cluster.token(org: "org-a", user: "agent-a", role: "agent")
        let orgA = DataEndToEndTests.dataSet(org: 1, count: 300)
        let orgB = DataEndToEndTests.dataSet(org: 2, count: 50)
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: orgA.map(\.line).joined(separator: "\n")).status == 200)
        let adminB = try cluster.token(org: "org-b", user: "admin-b")
        #expect(try cluster.send("POST", "/api/contacts/import", token: adminB, body: orgB.map(\.line).joined(separator: "\n")).status == 200)
        let filter = #"{"stageIds":["s0","s2"]}"#
        let expected = orgA.filter { ["s0", "s2"].contains($0.stage) }.map(\.id).sorted()

        var seen: [String] = []
        var cursor: String?
        repeat {
            let path = "/api/contacts/query?limit=7" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try cluster.send("POST", path, token: agent, body: filter)
            try #require(page.status == 200, "\(page)")
            let contacts = try #require(page.json["contacts"] as? [[String: Any]])
            #expect(contacts.count <= 7)
            for contact in contacts {
                #expect(["s0", "s2"].contains(contact["stageId"] as? String ?? ""), "\(contact)")
                #expect(contact["kind"] as? String == "Contact" && contact["orgId"] as? String == "org-a", "\(contact)")
            }
            seen += contacts.compactMap { $0["_id"] as? String }
            cursor = page.json["nextCursor"] as? String
        } while cursor != nil
        #expect(seen == expected, "every match once, in id order (\(seen.count) of \(expected.count))")

        for bad in ["/api/contacts/query?limit=0", "/api/contacts/query?limit=101", "/api/contacts/query?cursor=zz", "/api/contacts/query?page=2"] {
            let refused = try cluster.send("POST", bad, token: admin, body: filter)
            #expect(refused.status == 400, "\(bad): \(refused)")
        }
        #expect(try cluster.send("POST", "/api/contacts/query", token: admin, body: "{}").status == 400, "no stageIds and not orgWide")

        let dryRun = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["s0"],"dryRun":true}"#)
        #expect(dryRun.status == 200, "\(dryRun)")
        let stageZero = orgA.filter { $0.stage == "s0" }.map(\.id).sorted()
        #expect(dryRun.json["count"] as? Int == stageZero.count)
        let sample = try #require(dryRun.json["sample"] as? [[String: Any]])
        #expect(sample.compactMap { $0["_id"] as? String } == Array(stageZero.prefix(20)))
        #expect(try cluster.send("GET", "/api/contacts/stats", token: admin).json["contacts"] as? Int == 300, "a dry run deleted something")
    }
}
