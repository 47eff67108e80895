#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import Wire

/// Import, filters, reads, stats and auth over real HTTP into a real 4-shard cluster.
@Suite(.serialized) struct DataEndToEndTests {
    /// One generated contact of the test's own data set.
    struct Seeded {
        let id: String
        let stage: String
        let assignee: String?
        let tags: [String]
        let conversations: Int
        let messagesEach: Int

        var line: String {
            let conversationsJSON = (0..<conversations).map { c in
                let messages = (0..<messagesEach).map { m in #"{"direction":"inbound","body":"m\#(m)","createdAt":"2026-01-0\#(1 + m)T00:00:00Z"}"# }
                return #"{"channel":"sms","messages":[\#(messages.joined(separator: ","))]}"#
            }
            let assigned = assignee.map { "\"\($0)\"" } ?? "null"
            let tagsJSON = tags.map { "\"\($0)\"" }.joined(separator: ",")
            return #"{"_id":"\#(id)","stageId":"\#(stage)","assignedTo":\#(assigned),"name":"Person \#(id.suffix(4))","email":"p\#(id.suffix(4))@example.com","phone":"+1555\#(id.suffix(4))","tags":[\#(tagsJSON)],"source":"webchat","createdAt":"2026-01-05T10:00:00Z","conversations":[\#(conversationsJSON.joined(separator: ","))]}"#
        }
    }

    static func dataSet(org: Int, count: Int) -> [Seeded] {
        (0..<count).map { index in
            Seeded(
                id: String(format: "%08x%016x", org, index), stage: "s\(index % 3)", assignee: index % 4 == 0 ? nil : "u\(index % 2)",
                tags: index % 5 == 0 ? ["vip"] : [], conversations: 1 + index % 2, messagesEach: 2)
        }
    }

    @Test func importsTwoOrgsAndAnswersCountsReadsAndStatsForEachAlone() throws {
        let cluster = try TestCluster(shards: 4)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1", role: "admin")
        let other = try cluster.token(org: "org-b", user: "u9", role: "owner")
        let orgA = Self.dataSet(org: 1, count: 300)
        let orgB = Self.dataSet(org: 2, count: 120)

        // Org A, with a bad line in the middle: it is rejected by number, the rest kept.
        var linesA = orgA.map(\.line)
        linesA.insert("{not json", at: 150)
        let importA = try cluster.send("POST", "/api/contacts/import", token: admin, body: linesA.joined(separator: "\n") + "\n")
        #expect(importA.status == 200, "\(importA)")
        let importedA = try #require(importA.json["imported"] as? [String: Int])
        let expectedConversations = orgA.reduce(0) { $0 + $1.conversations }
        #expect(importedA == ["contacts": 300, "applications": 0, "conversations": expectedConversations, "messages": expectedConversations * 2])
        let rejected = try #require(importA.json["rejected"] as? [[String: Any]])
        #expect(rejected.count == 1)
        #expect(rejected.first?["line"] as? Int == 151)
        #expect(try cluster.send("POST", "/api/contacts/import", token: other, body: orgB.map(\.line).joined(separator: "\n")).status == 200)

        // Re-importing org A changes nothing: ids replace themselves.
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: orgA.map(\.line).joined(separator: "\n")).status == 200)

        let stats = try cluster.send("GET", "/api/contacts/stats", token: admin)
        #expect(stats.json as? [String: Int] == [
            "contacts": 300, "applications": 0, "conversations": expectedConversations, "messages": expectedConversations * 2,
            "auditEntries": 0, "notifications": 0,
        ])
        #expect(try cluster.send("GET", "/api/contacts/stats", token: other).json["contacts"] as? Int == 120)

        // Counts by filter, against what the test computes from its own data.
        let cases: [(String, Int)] = [
            (#"{"stageIds":["s1"]}"#, orgA.filter { $0.stage == "s1" }.count),
            (#"{"stageIds":["s0","s2"],"ownerFilter":"unowned"}"#, orgA.filter { $0.stage != "s1" && $0.assignee == nil }.count),
            (#"{"orgWide":true,"ownerFilter":"mine"}"#, orgA.filter { $0.assignee == "u1" }.count),
            (#"{"orgWide":true,"advancedParams":{"tags":["vip"]}}"#, orgA.filter { $0.tags.contains("vip") }.count),
            (#"{"orgWide":true,"advancedParams":{"createdAfter":"2026-01-06T00:00:00Z"}}"#, 0),
            (#"{"orgWide":true,"advancedParams":{"search":"P0001@EXAMPLE"}}"#, 1),
        ]
        for (filter, expected) in cases {
            let response = try cluster.send("POST", "/api/contacts/query-count", token: admin, body: filter)
            #expect(response.json["count"] as? Int == expected, "\(filter): \(response)")
        }
        #expect(try cluster.send("POST", "/api/contacts/query-count", token: other, body: #"{"orgWide":true}"#).json["count"] as? Int == 120)
        let typo = try cluster.send("POST", "/api/contacts/query-count", token: admin, body: #"{"orgWide":true,"advancedParams":{"tag":["vip"]}}"#)
        #expect(typo.status == 400)
        #expect((typo.json["message"] as? String)?.contains("advancedParams.tag") == true)
        #expect(try cluster.send("POST", "/api/contacts/query-count", token: admin, body: #"{"ownerFilter":"owned"}"#).status == 400)

        // Reads: one contact with its counts; another org's contact is a plain 404.
        let sample = orgA[7]
        let contact = try cluster.send("GET", "/api/contacts/\(sample.id)", token: admin)
        #expect(contact.status == 200)
        #expect(contact.json["_id"] as? String == sample.id)
        #expect(contact.json["stageId"] as? String == sample.stage)
        #expect(contact.json["conversationCount"] as? Int == sample.conversations)
        #expect(contact.json["messageCount"] as? Int == sample.conversations * 2)
        let hidden = try cluster.send("GET", "/api/contacts/\(sample.id)", token: other)
        let missing = try cluster.send("GET", "/api/contacts/ffffffffffffffffffffffff", token: other)
        #expect(hidden.status == 404)
        #expect(missing.status == 404)
        #expect(hidden.json["error"] as? String == missing.json["error"] as? String)
    }

    @Test func refusesCallersWithoutAValidTokenOrTheRightRole() throws {
        let cluster = try TestCluster(shards: 2)
        defer { cluster.stop() }
        try cluster.start()
        let agent = try cluster.token(org: "org-a", user: "u1", role: "agent")
        let noAuth = try RawHTTPClient.exchange(port: cluster.port, request: "GET /api/contacts/stats HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(noAuth.status == 401)
        #expect(try cluster.send("GET", "/api/contacts/stats", token: "garbage").status == 401)
        let forged = agent.split(separator: ".").prefix(2).joined(separator: ".") + ".AAAA"
        #expect(try cluster.send("GET", "/api/contacts/stats", token: forged).status == 401)
        let (status, stale) = try cluster.script("token", ["--org", "org-a", "--user", "u1", "--ttl", "0", "--data", cluster.data])
        #expect(status == 0)
        sleep(1)
        // exp = now: still inside the 30 s leeway, so it is accepted; the unit tests pin the edge.
        #expect(try cluster.send("GET", "/api/contacts/stats", token: stale.trimmingCharacters(in: .whitespacesAndNewlines)).status == 200)
        let none = "eyJhbGciOiJub25lIn0." + agent.split(separator: ".")[1] + "."
        #expect(try cluster.send("GET", "/api/contacts/stats", token: none).status == 401)
        #expect(try cluster.send("GET", "/api/contacts/stats", token: agent).status == 200)
        let write = try cluster.send("POST", "/api/contacts/import", token: agent, body: "{}\n")
        #expect(write.status == 403)
    }

    @Test func contactsWithLongHistoriesImportInBatchesThatFitAFrame() throws {
        let cluster = try TestCluster(shards: 2)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-h", user: "u1")
        // 1,200 contacts of 40 messages of 300 bytes: about 19 MB, more than one 16 MiB wire frame,
        // though far fewer records than a batch holds.
        let body = String(repeating: "b", count: 300)
        let lines = (0..<1_200).map { index in
            let messages = (0..<40).map { _ in #"{"direction":"inbound","body":"\#(body)","createdAt":"2026-01-02T00:00:00Z"}"# }
            return #"{"_id":"\#(String(format: "%024x", index + 1))","name":"P","email":"p@x.io","phone":"1","conversations":[{"channel":"sms","messages":[\#(messages.joined(separator: ","))]}]}"#
        }
        let answer = try cluster.send("POST", "/api/contacts/import", token: admin, body: lines.joined(separator: "\n"))
        #expect(answer.status == 200, "\(answer)")
        #expect(answer.json["imported"] as? [String: Int] == ["contacts": 1_200, "applications": 0, "conversations": 1_200, "messages": 48_000])
    }
}

/// The import body limit is a setting of the cluster, enforced before the body is read.
@Suite(.serialized) struct ImportLimitEndToEndTests {
    @Test func anImportOverTheConfiguredLimitIsRefusedWith413() throws {
        setenv("TETHER_MAX_IMPORT_BYTES", "1000", 1)
        defer { unsetenv("TETHER_MAX_IMPORT_BYTES") }
        let cluster = try TestCluster(shards: 1)
        defer { cluster.stop() }
        try cluster.start()
        let response = try cluster.send(
            "POST", "/api/contacts/import", token: try cluster.token(org: "o", user: "u"), body: String(repeating: "{}\n", count: 400))
        #expect(response.status == 413)
    }

    /// A client streaming a chunked import far past the limit is still sending when the gateway
    /// answers 413. Closing at once, with its input unread, would make the kernel reset the
    /// connection, and the client would lose the answer with it: the gateway ends its side and
    /// reads on until the client is done.
    @Test func aChunkedImportPastTheLimitGetsIts413WhileStillSending() throws {
        setenv("TETHER_MAX_IMPORT_BYTES", "100000", 1)
        defer { unsetenv("TETHER_MAX_IMPORT_BYTES") }
        let cluster = try TestCluster(shards: 1)
        defer { cluster.stop() }
        try cluster.start()
        let token = try cluster.token(org: "o", user: "u")
        let line = #"{"name":"\#(String(repeating: "n", count: 200))"}"# + "\n"
        let chunk = String(format: "%x", line.utf8.count * 100) + "\r\n" + String(repeating: line, count: 100) + "\r\n"
        let head = "POST /api/contacts/import HTTP/1.1\r\nAuthorization: Bearer \(token)\r\nTransfer-Encoding: chunked\r\n\r\n"
        // 8 MiB of body against a 100 kB limit.
        let request = head + String(repeating: chunk, count: 8 << 20 / chunk.utf8.count) + "0\r\n\r\n"
        // As scripts/seed's http.client does: the whole body first, then the answer. A send that
        // fails (a reset) is where such a client gives up, without ever reading the 413.
        let fd = try RawHTTPClient.connectTCP(port: cluster.port)
        defer { close(fd) }
        let bytes = Array(request.utf8)
        let offset = RawHTTPClient.sendAll(fd, bytes)
        #expect(offset == bytes.count, "the gateway reset the connection after \(offset) of \(bytes.count) bytes")
        let response = try RawHTTPClient.parse(RawHTTPClient.readUntilClosed(fd))
        #expect(response.status == 413, "\(response)")
        #expect(response.json["stoppedAtLine"] is Int, "\(response)")
        let logged = cluster.logs().split(separator: "\n").contains { $0.contains("import for org o by ") && $0.contains("; stopped at line ") }
        #expect(logged, "no log line")
    }
}
