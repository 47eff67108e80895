import Foundation
import TestSupport
import Testing

/// The coordinator's and the gateway's logs say who did what to which org's job, in both log
/// formats: a job created, rethrottled and cancelled by a named operator, an import with its
/// counts, an `expectedCount` refusal at notice, and bursts of refused reads and job creations
/// logged once each; and none of it names a contact's data or a filter's values.
@Suite(.serialized) struct WhoDidWhatLogEndToEndTests {
    /// One log line, whichever format it was written in: JSON lines carry `job` and `org` as fields.
    private struct Entry {
        var process: String
        var level: String
        var message: String
        var job: String?
        var org: String?
    }

    @Test(arguments: ["text", "json"]) func theLogsSayWhoDidWhatToWhichOrgsJob(format: String) throws {
        // One read a second (two at once): a burst of reads is refused, and logged once.
        let cluster = try TestCluster(shards: 2, environment: ["TETHER_LOG_FORMAT": format, "TETHER_READS_PER_SECOND": "1"])
        defer { cluster.stop() }
        try cluster.start()
        let requester = try cluster.token(org: "org-a", user: "u-requester")
        let operatorToken = try cluster.token(org: "org-a", user: "ops-ann")
        let seeded = DataEndToEndTests.dataSet(org: 1, count: 200)
        #expect(try cluster.send("POST", "/api/contacts/import", token: requester, body: seeded.map(\.line).joined(separator: "\n")).status == 200)

        let reads = try (0..<10).map { _ in try cluster.send("GET", "/api/contacts/stats", token: requester).status }
        #expect(reads.filter { $0 == 429 }.count >= 5, "\(reads)")

        let guarded = #"{"orgWide":true,"advancedParams":{"search":"secret-term"},"expectedCount":7}"#
        let refused = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: requester, body: guarded)
        #expect(refused.status == 409, "\(refused)")
        // Slow enough (200 contacts at 20, then 10, a second) to be rethrottled and cancelled while it runs.
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: requester, body: #"{"orgWide":true,"requestsPerSecond":20}"#)
        let jobId = try #require(started.json["jobId"] as? String, "\(started)")
        let slower = try cluster.send("POST", "/api/contacts/bulk-job/\(jobId)/rethrottle?requestsPerSecond=10", token: operatorToken)
        #expect(slower.status == 200, "\(slower)")
        #expect(try cluster.send("DELETE", "/api/contacts/bulk-job/\(jobId)", token: operatorToken).status == 202)
        #expect(try cluster.waitForJob(jobId, token: requester)["status"] as? String == "cancelled")
        // Job creations past the org's creation rate (10 at once) or its running cap: 429s, logged once.
        let creations = try (0..<12).map { _ in
            try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: requester, body: #"{"stageIds":["no-such-stage"]}"#).status
        }
        #expect(creations.contains(429), "\(creations)")

        // How it ended, with its counts: "cancelled in 1.2 s: ..." (or "cancelled: ..." had it not started).
        let isTheEnd = { (entry: Entry) in entry.message.hasPrefix("job \(jobId) of org org-a cancelled") && entry.message.contains(" processed: ") }
        let logged = try eventually { try logEntries(in: cluster, format: format).contains(where: isTheEnd) }
        let entries = try logEntries(in: cluster, format: format)
        #expect(logged, "the job's end is not in the log:\(cluster.logs())")
        let coordinator = entries.filter { $0.process == "coordinator" }
        let gateway = entries.filter { $0.process == "gateway" }
        let expectations: [(lines: [Entry], prefix: String, level: String, job: String?)] = [
            (coordinator, "job \(jobId) of org org-a created by u-requester: filter {orgWide: true, pipelineType: Contact}", "info", jobId),
            (coordinator, "job \(jobId) of org org-a rethrottled by ops-ann from 20/s to 10/s", "info", jobId),
            (coordinator, "job \(jobId) of org org-a cancelled by ops-ann (now ", "info", jobId),
            (
                coordinator, "refused org org-a: a bulk delete requested by u-requester expected 7 records, 0 match now (409); "
                    + "filter {advancedParams: {search}, orgWide: true, pipelineType: Contact}", "notice", nil
            ),
            (gateway, "import for org org-a by u-requester in ", "info", nil),
            (gateway, "refused org org-a: 429 on a read: faster than 1 reads a second", "notice", nil),
            (coordinator, "refused org org-a: 429 on a bulk delete requested by u-requester: ", "notice", nil),
        ]
        for expected in expectations {
            let entry = expected.lines.first { $0.message.hasPrefix(expected.prefix) }
            #expect(entry != nil, "no line begins \(expected.prefix):\(cluster.logs())")
            guard let entry else { continue }
            #expect(entry.level == expected.level, "\(entry)")
            if format == "json" {
                #expect(entry.org == "org-a" && entry.job == expected.job, "\(entry)")
            }
        }
        let imported = gateway.first { $0.message.hasPrefix("import for org org-a") }?.message ?? ""
        let conversations = seeded.reduce(0) { $0 + $1.conversations }
        #expect(imported.hasSuffix("imported 200 contacts, 0 applications, \(conversations) conversations, \(conversations * 2) messages; 0 lines rejected"), "\(imported)")
        // A refusal loop is one line, not one per refusal (the next would come 10 s later, with their count).
        #expect(gateway.filter { $0.message.hasPrefix("refused org org-a: 429 on a read") }.count == 1)
        #expect(coordinator.filter { $0.message.hasPrefix("refused org org-a: 429 on a bulk delete") }.count == 1)
        let end = coordinator.first(where: isTheEnd)
        #expect(end?.level == "info" && (format == "text" || (end?.org == "org-a" && end?.job == jobId)), "\(coordinator.map(\.message))")

        // No contact's data, and no filter value, in any process's log.
        let everything = cluster.logs()
        for secret in ["@example.com", "Person ", "+1555", "secret-term", "no-such-stage"] {
            #expect(!everything.contains(secret), "a log names \(secret)")
        }
    }

    /// Every line of every process's log file, read in `format`.
    private func logEntries(in cluster: TestCluster, format: String) throws -> [Entry] {
        let directory = "\(cluster.data)/logs"
        return try FileManager.default.contentsOfDirectory(atPath: directory).flatMap { name in
            try String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8).split(separator: "\n").compactMap { line in
                format == "json" ? Self.json(line) : Self.text(line)
            }
        }
    }

    private static func json(_ line: Substring) -> Entry? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let process = object["process"] as? String, let level = object["level"] as? String, let message = object["message"] as? String
        else { return nil }
        return Entry(process: process, level: level, message: message, job: object["job"] as? String, org: object["org"] as? String)
    }

    /// `time process[pid] level: message`.
    private static func text(_ line: Substring) -> Entry? {
        let words = line.split(separator: " ", maxSplits: 3)
        guard words.count == 4, let bracket = words[1].firstIndex(of: "["), words[2].hasSuffix(":") else { return nil }
        return Entry(process: String(words[1][..<bracket]), level: String(words[2].dropLast()), message: String(words[3]))
    }
}
