#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import Wire

/// The original API's endpoint over real HTTP on a real 4-shard cluster: every count
/// checked against what the test computes from its own data. The tests that
/// take a `ClusterStorage` run on SQLite and on PostgreSQL: the delete itself
/// (stages, applications, cancel, a shard killed mid-job) and what it leaves
/// (the audit and notification logs, the events).
@Suite(.serialized) struct BulkDeleteEndToEndTests {
    @Test(arguments: ClusterStorage.allCases)
    func deletesAnOrgsStagesExactlyAndLeavesEverythingElse(storage: ClusterStorage) throws {
        let cluster = try TestCluster(shards: 4, storage: storage)
        defer { cluster.stop() }
        try cluster.start()
        let adminA = try cluster.token(org: "org-a", user: "admin-org-a")
        let adminB = try cluster.token(org: "org-b", user: "admin-org-b")
        let orgA = DataEndToEndTests.dataSet(org: 1, count: 400)
        let orgB = DataEndToEndTests.dataSet(org: 2, count: 150)
        #expect(try cluster.send("POST", "/api/contacts/import", token: adminA, body: orgA.map(\.line).joined(separator: "\n")).status == 200)
        #expect(try cluster.send("POST", "/api/contacts/import", token: adminB, body: orgB.map(\.line).joined(separator: "\n")).status == 200)
        let statsB = try cluster.send("GET", "/api/contacts/stats", token: adminB).body

        let victims = orgA.filter { ["s0", "s2"].contains($0.stage) }
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: adminA, body: #"{"stageIds":["s0","s2"]}"#)
        #expect(started.status == 202, "\(started)")
        #expect(started.json["message"] as? String == "Bulk delete started")
        let jobId = try #require(started.json["jobId"] as? String)
        #expect(UUID(uuidString: jobId) != nil)

        let job = try cluster.waitForJob(jobId, token: adminA)
        let conversations = victims.reduce(0) { $0 + $1.conversations }
        #expect(job["status"] as? String == "completed")
        #expect(job["total"] as? Int == victims.count)
        #expect(job["deleted"] as? Int == victims.count)
        #expect(job["processed"] as? Int == victims.count)
        #expect(job["skipped"] as? Int == 0)
        #expect(job["percent"] as? Double == 100)
        #expect(job["cascade"] as? [String: Int] == [
            "conversations": conversations, "messages": conversations * 2, "auditEntries": victims.count,
            "notifications": victims.filter { $0.assignee != nil }.count, "events": victims.count, "applications": 0,
        ])
        #expect((job["shards"] as? [[String: Any]])?.count == 4)
        #expect(job["requestedBy"] as? String == "admin-org-a")

        let stats = try cluster.send("GET", "/api/contacts/stats", token: adminA).json as? [String: Int]
        let remaining = orgA.count - victims.count
        #expect(stats?["contacts"] == remaining)
        #expect(stats?["conversations"] == orgA.reduce(0) { $0 + $1.conversations } - conversations)
        #expect(stats?["auditEntries"] == victims.count)
        #expect(stats?["notifications"] == victims.filter { $0.assignee != nil }.count)
        #expect(try cluster.send("POST", "/api/contacts/query-count", token: adminA, body: #"{"stageIds":["s0","s2"]}"#).json["count"] as? Int == 0)

        // Org B: untouched, and blind to org A's job.
        #expect(try cluster.send("GET", "/api/contacts/stats", token: adminB).body == statsB)
        #expect(try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: adminB).status == 404)
    }

    @Test func contactsImportedRightAfterThe202AreLeftAloneWheneverTheShardsHearOfTheJob() throws {
        let (cluster, admin) = try TestCluster.seeded(shards: 4, contacts: 6_000)
        defer { cluster.stop() }
        let before = DataEndToEndTests.dataSet(org: 1, count: 6_000)
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["s0"]}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        // Same stage, other ids, imported at once: after the 202, so not the job's.
        let after = DataEndToEndTests.dataSet(org: 3, count: 1_200)
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: after.map(\.line).joined(separator: "\n")).status == 200)

        let job = try cluster.waitForJob(jobId, token: admin)
        let matched = before.filter { $0.stage == "s0" }.count
        #expect(job["status"] as? String == "completed", "\(job)")
        #expect(job["total"] as? Int == matched)
        #expect(job["deleted"] as? Int == matched)
        let left = try cluster.send("POST", "/api/contacts/query-count", token: admin, body: #"{"stageIds":["s0"]}"#).json["count"] as? Int
        #expect(left == after.filter { $0.stage == "s0" }.count)
    }

    @Test(arguments: ClusterStorage.allCases)
    func deletesApplicationsWithoutTouchingContacts(storage: ClusterStorage) throws {
        let cluster = try TestCluster(shards: 2, storage: storage)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "admin-org-a")
        let contacts = DataEndToEndTests.dataSet(org: 1, count: 30)
        let applications = contacts.prefix(12).enumerated().map { index, contact in
            #"{"kind":"Application","_id":"\#(String(format: "%024x", 0xA00 + index))","contactId":"\#(contact.id)","stageId":"apply"}"#
        }
        let body = (contacts.map(\.line) + applications).joined(separator: "\n")
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: body).status == 200)
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"pipelineType":"Application"}"#)
        let job = try cluster.waitForJob(try #require(started.json["jobId"] as? String), token: admin)
        #expect(job["deleted"] as? Int == 12)
        let stats = try cluster.send("GET", "/api/contacts/stats", token: admin).json as? [String: Int]
        #expect(stats?["applications"] == 0)
        #expect(stats?["contacts"] == 30)
        #expect(stats?["auditEntries"] == 12)
    }

    /// A contact's delete takes its applications with it, each with one
    /// `APPLICATION_DELETE` audit entry, and the job counts them; an application whose contact
    /// stays, stays, and so does another org's naming the same contact id.
    @Test(arguments: ClusterStorage.allCases)
    func aContactsDeleteTakesItsApplicationsAndAnAuditEntryForEach(storage: ClusterStorage) throws {
        let cluster = try TestCluster(shards: 4, storage: storage)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "admin-org-a")
        let adminB = try cluster.token(org: "org-b", user: "admin-org-b")
        let contacts = DataEndToEndTests.dataSet(org: 1, count: 60)
        // Contact i has i % 4 applications: 90 in all, spread over every stage and shard.
        let applications = contacts.enumerated().flatMap { index, contact in
            (0..<index % 4).map { (id: String(format: "%024x", 0xA000 + 10 * index + $0), contact: contact) }
        }
        let lines = applications.map { #"{"kind":"Application","_id":"\#($0.id)","contactId":"\#($0.contact.id)","stageId":"apply","name":"App"}"# }
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: (contacts.map(\.line) + lines).joined(separator: "\n")).status == 200)
        let foreign = #"{"kind":"Application","_id":"\#(String(format: "%024x", 0xB000))","contactId":"\#(contacts[1].id)","stageId":"apply"}"#
        #expect(try cluster.send("POST", "/api/contacts/import", token: adminB, body: foreign).status == 200)

        // Stage s1 first: its contacts' applications go, the others' stay.
        var remaining = applications
        let jobs: [(filter: String, stage: String?)] = [(#"{"stageIds":["s1"]}"#, "s1"), (#"{"orgWide":true}"#, nil)]
        for (filter, stage) in jobs {
            let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: filter)
            let jobId = try #require(started.json["jobId"] as? String, "\(started)")
            let job = try cluster.waitForJob(jobId, token: admin)
            let goes = { (application: (id: String, contact: DataEndToEndTests.Seeded)) in stage == nil || application.contact.stage == stage }
            let gone = remaining.filter(goes)
            remaining.removeAll(where: goes)
            let deleted = try #require(job["deleted"] as? Int)
            let cascade = try #require(job["cascade"] as? [String: Int])
            #expect(job["status"] as? String == "completed", "\(job)")
            #expect(cascade["applications"] == gone.count, "\(filter): \(cascade)")
            #expect(cascade["auditEntries"] == deleted + gone.count, "\(filter): \(cascade)")
            let stats = try #require(try cluster.send("GET", "/api/contacts/stats", token: admin).json as? [String: Int])
            #expect(stats["applications"] == remaining.count, "\(filter): \(stats)")

            let audit = try cluster.send("GET", "/api/event-logs?type=APPLICATION_DELETE&jobId=\(jobId)&limit=500", token: admin)
            #expect(audit.status == 200, "\(audit)")
            #expect(audit.json["total"] as? Int == gone.count)
            let entries = try #require(audit.json["entries"] as? [[String: Any]])
            #expect(Set(entries.compactMap { $0["applicationId"] as? String }) == Set(gone.map(\.id)))
            #expect(entries.allSatisfy { $0["actor"] as? String == "admin-org-a" && ($0["snapshot"] as? [String: Any])?["name"] as? String == "App" })
        }
        #expect(remaining.isEmpty)
        #expect(try cluster.send("GET", "/api/contacts/stats", token: adminB).json["applications"] as? Int == 1, "another org's application stays")
    }

    @Test func refusesWhatTheSeedRefuses() throws {
        let cluster = try TestCluster(shards: 1)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "admin-org-a")
        let missing = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"ownerFilter":"owned"}"#)
        #expect(missing.status == 400)
        #expect((missing.json["message"] as? String)?.contains("stageIds") == true)
        let typo = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"advancedParams":{"tagz":["x"]}}"#)
        #expect(typo.status == 400)
        #expect(try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: cluster.token(org: "org-a", user: "admin-org-a", role: "agent"), body: #"{"orgWide":true}"#).status == 403)
        #expect(try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: "nope", body: #"{"orgWide":true}"#).status == 401)
        #expect(try cluster.send("GET", "/api/contacts/bulk-job/00000000-0000-4000-8000-000000000000", token: admin).status == 404)
    }
}

/// Guards around a job: cancel, the per-org cap, expectedCount, dryRun, Idempotency-Key, listing.
@Suite(.serialized) struct BulkJobGuardsEndToEndTests {
    @Test(arguments: ClusterStorage.allCases)
    func cancelStopsEveryShardAtABatchBoundaryWithExactCountsAndTheCapRefusesAFifthJob(storage: ClusterStorage) throws {
        let cluster = try TestCluster(shards: 2, storage: storage)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let contacts = DataEndToEndTests.dataSet(org: 1, count: 6_000)
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: contacts.map(\.line).joined(separator: "\n")).status == 200)
        #expect(try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"dryRun":true}"#).json["count"] as? Int == 6_000)
        let mismatch = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"expectedCount":5}"#)
        #expect(mismatch.status == 409)
        // A preview honours the guard too: the same 409, nothing deleted either way.
        let preview = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"dryRun":true,"expectedCount":5}"#)
        #expect(preview.status == 409, "\(preview)")
        #expect(preview.json["message"] as? String == mismatch.json["message"] as? String)
        #expect(try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"dryRun":true,"expectedCount":6000}"#)
            .json["count"] as? Int == 6_000)

        // Shards paused (briefly: heartbeats allow 3 s) so the jobs are queued, not finished, when cancelled.
        let shards = ["shard-0", "shard-1"].compactMap { cluster.currentPids()[$0] }
        shards.forEach { kill($0, SIGSTOP) }
        var jobIds: [String] = []
        for stage in ["s0", "s1", "s2", "s0\",\"s1"] {
            let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["\#(stage)"]}"#)
            #expect(started.status == 202)
            if let jobId = started.json["jobId"] as? String { jobIds.append(jobId) }
        }
        let fifth = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true}"#)
        #expect(fifth.status == 429)
        for jobId in jobIds {
            let cancelled = try cluster.send("DELETE", "/api/contacts/bulk-job/\(jobId)", token: admin)
            #expect(cancelled.status == 202)
            #expect(cancelled.json["status"] as? String == "cancelling")
        }
        shards.forEach { kill($0, SIGCONT) }

        var deleted = 0
        for jobId in jobIds {
            var job: [String: Any] = [:]
            let done = try eventually(timeout: .seconds(20)) {
                job = try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: admin).json
                return ["cancelled", "completed"].contains(job["status"] as? String ?? "")
            }
            #expect(done, "\(job)")
            // A job whose every record was processed before its cancel landed completed: the cancel came too late.
            // (Processed, not deleted: the s0+s1 job skips what the s0 and s1 jobs deleted first.)
            if job["status"] as? String == "completed" { #expect(job["processed"] as? Int == job["total"] as? Int, "\(job)") }
            deleted += job["deleted"] as? Int ?? -1
            #expect(try cluster.send("DELETE", "/api/contacts/bulk-job/\(jobId)", token: admin).status == 409)
        }
        // Whatever the cancelled jobs deleted before stopping is exactly what is gone.
        let stats = try cluster.send("GET", "/api/contacts/stats", token: admin).json as? [String: Int]
        #expect(stats?["contacts"] == 6_000 - deleted)
        #expect(stats?["auditEntries"] == deleted)
        let listed = try cluster.send("GET", "/api/contacts/bulk-jobs?limit=10", token: admin).json["jobs"] as? [[String: Any]]
        #expect(listed?.compactMap { $0["jobId"] as? String } == jobIds.reversed())
        #expect(try cluster.send("GET", "/api/contacts/bulk-jobs?limit=0", token: admin).status == 400)

        // Now with capacity again: the same Idempotency-Key and body replay the first job; another body is a conflict.
        let key = "Idempotency-Key: delete-s0-once\r\n"
        let first = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["s0"]}"#, headers: key)
        let again = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["s0"]}"#, headers: key)
        #expect(first.status == 202)
        #expect(first.headers["idempotent-replayed"] == nil)
        #expect(again.status == 202)
        #expect(again.json["jobId"] as? String == first.json["jobId"] as? String)
        #expect(again.headers["idempotent-replayed"] == "true", "\(again.headers)")
        #expect((again.json["message"] as? String)?.hasPrefix("Replayed: job") == true, "\(again)")
        // The same filter written otherwise (spacing, order) is the same request.
        let respelled = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{ "stageIds" : [ "s0", "s0" ] }"#, headers: key)
        #expect(respelled.json["jobId"] as? String == first.json["jobId"] as? String, "\(respelled)")
        let otherFilter = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["s1"]}"#, headers: key)
        #expect(otherFilter.status == 409)
        #expect((otherFilter.json["message"] as? String)?.contains("another filter") == true, "\(otherFilter)")
        let colleague = try cluster.token(org: "org-a", user: "u2")
        let otherUser = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: colleague, body: #"{"stageIds":["s0"]}"#, headers: key)
        #expect(otherUser.status == 409)
        #expect((otherUser.json["message"] as? String)?.contains("another user") == true, "\(otherUser)")
    }
}

/// Audit entries and notifications of a finished job, paged across every shard.
@Suite(.serialized) struct JobLogsEndToEndTests {
    @Test(arguments: ClusterStorage.allCases)
    func pagesEveryAuditEntryAndEachAssigneesNotificationsExactlyOnce(storage: ClusterStorage) throws {
        let cluster = try TestCluster(shards: 3, storage: storage)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "admin")
        let contacts = DataEndToEndTests.dataSet(org: 1, count: 240)
        _ = try cluster.send("POST", "/api/contacts/import", token: admin, body: contacts.map(\.line).joined(separator: "\n"))
        let body = #"{"stageIds":["s1"]}"#
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: body)
        let jobId = try #require(started.json["jobId"] as? String)
        let finished = try eventually { try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: admin).json["status"] as? String == "completed" }
        #expect(finished)
        let victims = contacts.filter { $0.stage == "s1" }

        let audit = try cluster.allEntries("/api/event-logs?type=CONTACT_DELETE&jobId=\(jobId)", token: admin, limit: 7)
        #expect(audit.total == victims.count)
        #expect(audit.ids.count == victims.count)
        #expect(Set(audit.ids).count == victims.count, "an entry was listed twice")
        #expect(Set(audit.entries.compactMap { $0["contactId"] as? String }) == Set(victims.map(\.id)))
        #expect(audit.entries.allSatisfy { ($0["snapshot"] as? [String: Any])?["email"] != nil && $0["actor"] as? String == "admin" })
        #expect(try cluster.send("GET", "/api/event-logs?type=CONTACT_DELETE&jobId=other", token: admin).json["total"] as? Int == 0)

        for user in ["u0", "u1"] {
            let mine = try cluster.allEntries("/api/notifications", token: try cluster.token(org: "org-a", user: user), limit: 5)
            let expected = victims.filter { $0.assignee == user }
            #expect(mine.total == expected.count)
            #expect(Set(mine.entries.compactMap { $0["contactId"] as? String }) == Set(expected.map(\.id)))
        }
        #expect(try cluster.send("GET", "/api/notifications?cursor=zz", token: admin).status == 400)
        // A cursor naming fewer shards than there are starts the others from their first entries.
        let fromStart = try cluster.send("GET", "/api/notifications", token: admin).json["total"] as? Int
        let partial = try cluster.send("GET", "/api/notifications?cursor=0.0", token: admin)
        #expect(partial.status == 200 && partial.json["total"] as? Int == fromStart, "\(partial)")
        #expect(try cluster.send("GET", "/api/event-logs?limit=501", token: admin).status == 400)
        // A misspelt parameter or an unknown type is refused, naming it, never answered as if absent.
        let misspelt = try cluster.send("GET", "/api/event-logs?type=CONTACT_DELETE&jobid=\(jobId)", token: admin)
        #expect(misspelt.status == 400)
        #expect(misspelt.json["error"] as? String == "Invalid query")
        #expect((misspelt.json["message"] as? String)?.contains("jobid is not a query parameter of this endpoint (did you mean jobId?)") == true, "\(misspelt)")
        let unknownType = try cluster.send("GET", "/api/event-logs?type=CONTACT_DELETED", token: admin)
        #expect(unknownType.status == 400, "\(unknownType)")
        #expect(try cluster.send("GET", "/api/notifications?limt=5", token: admin).status == 400)
    }
}

/// `GET /api/events`: every deleted contact's event reaches a subscriber of its org, with stable ids.
@Suite(.serialized) struct EventsEndToEndTests {
    @Test(arguments: ClusterStorage.allCases)
    func aSubscriberSeesOneContactRemovedEventPerDeletedContactAndCanResume(storage: ClusterStorage) throws {
        let cluster = try TestCluster(shards: 4, storage: storage)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let other = try cluster.token(org: "org-b", user: "u9")
        let contacts = DataEndToEndTests.dataSet(org: 1, count: 600)
        let body = contacts.map(\.line).joined(separator: "\n")
        _ = try cluster.send("POST", "/api/contacts/import", token: admin, body: body)
        let subscriber = try RawSSEClient(port: cluster.port, token: admin)
        let outsider = try RawSSEClient(port: cluster.port, token: other)
        _ = subscriber.collect(timeout: .milliseconds(300)) { _ in false }  // the subscription is in place

        let filter = #"{"stageIds":["s0"]}"#
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: filter)
        let jobId = try #require(started.json["jobId"] as? String)
        let victims = Set(contacts.filter { $0.stage == "s0" }.map(\.id))
        let events = subscriber.collect(timeout: .seconds(20)) { events in
            Set(events.filter { $0.type == "contact_removed" }.map(\.id)).count >= victims.count
                && events.contains { $0.type == "bulk_job_progress" && $0.data.contains("\"status\":\"completed\"") }
        }
        #expect(subscriber.status == 200)
        let removed = events.filter { $0.type == "contact_removed" }
        #expect(Set(removed.map(\.id)).count == victims.count, "distinct event ids")
        let removedContacts = Set(removed.compactMap { event in
            (try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: String])?["contactId"]
        })
        #expect(removedContacts == victims)
        #expect(removed.allSatisfy { $0.data.contains(jobId) })
        #expect(events.contains { $0.type == "bulk_job_progress" && $0.data.contains("\"status\":\"completed\"") })
        // Another org's subscriber sees none of it.
        #expect(outsider.collect(timeout: .milliseconds(500)) { _ in false }.isEmpty)

        // Reconnecting after the 10th event replays exactly what followed it.
        let resumeFrom = removed[9].id
        let position = try #require(events.firstIndex { $0.id == resumeFrom })
        let resumed = try RawSSEClient(port: cluster.port, token: admin, lastEventId: resumeFrom)
        let expected = events[(position + 1)...].map(\.id)
        let replayed = resumed.collect(timeout: .seconds(10)) { $0.count >= expected.count }
        #expect(Array(replayed.map(\.id).prefix(expected.count)) == expected)
        let refused = try RawSSEClient(port: cluster.port, token: "nope")
        _ = refused.collect(timeout: .milliseconds(300)) { _ in false }
        #expect(refused.status == 401)
    }
}

/// `contact_removed` is at-least-once across a restart of the gateway or the
/// coordinator: what a subscriber missed is replayed from the coordinator's
/// event log, not from a gateway's memory.
@Suite(.serialized) struct DurableEventsEndToEndTests {
    static let contacts = 3_000

    private func contactIds(_ events: [SSEEvent]) -> Set<String> {
        Set(events.filter { $0.type == "contact_removed" }.compactMap { event in
            (try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: String])?["contactId"]
        })
    }

    @Test func aSubscriberThatReconnectsAfterAGatewayOutageGetsEveryEventItMissed() throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: Self.contacts)
        var seen = Set(cluster.currentPids().values)
        defer { cluster.stop(everSeen: seen) }
        let subscriber = try RawSSEClient(port: cluster.port, token: admin)
        _ = subscriber.collect(timeout: .milliseconds(300)) { _ in false }  // the subscription is in place
        let gateway = try #require(cluster.currentPids()["gateway"])
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        // The gateway dies with the first events read; the job goes on without it.
        let before = subscriber.collect(timeout: .seconds(20)) { !$0.isEmpty }
        kill(gateway, SIGKILL)
        let lastSeen = try #require(before.last?.id)
        #expect(eventually(timeout: .seconds(5)) { kill(gateway, 0) != 0 || cluster.currentPids()["gateway"] != gateway })
        try cluster.start()
        seen.formUnion(cluster.currentPids().values)
        _ = try cluster.waitForJob(jobId, token: admin)

        let resumed = try RawSSEClient(port: cluster.port, token: admin, lastEventId: lastSeen)
        let after = resumed.collect(timeout: .seconds(20)) { self.contactIds(before + $0).count >= Self.contacts }
        #expect(contactIds(before + after).count == Self.contacts, "events lost across the gateway's restart")
        // Ids are the log's: unique, and in order.
        let ids = (before + after).compactMap { UInt64($0.id) }
        #expect(ids.count == before.count + after.count)
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)
    }

    @Test func aConnectedSubscriberGetsEveryEventAcrossACoordinatorRestart() throws {
        let (cluster, admin) = try TestCluster.seeded(contacts: Self.contacts)
        var seen = Set(cluster.currentPids().values)
        defer { cluster.stop(everSeen: seen) }
        let subscriber = try RawSSEClient(port: cluster.port, token: admin)
        _ = subscriber.collect(timeout: .milliseconds(300)) { _ in false }
        let coordinator = try #require(cluster.currentPids()["coordinator"])
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true}"#)
        let jobId = try #require(started.json["jobId"] as? String)
        var events = subscriber.collect(timeout: .seconds(20)) { !$0.isEmpty }
        kill(coordinator, SIGKILL)
        #expect(eventually(timeout: .seconds(5)) { kill(coordinator, 0) != 0 })
        try cluster.start()
        seen.formUnion(cluster.currentPids().values)
        _ = try cluster.waitForJob(jobId, token: admin)
        // The same connection, never re-established: the gateway catches it up from the log once its link is back.
        events += subscriber.collect(timeout: .seconds(20)) { self.contactIds(events + $0).count >= Self.contacts }
        #expect(contactIds(events).count == Self.contacts, "events lost across the coordinator's restart")
    }
}

/// A shard killed during a job is restarted, gets its slice again, and the job still finishes exactly.
@Suite(.serialized) struct BulkDeleteRestartEndToEndTests {
    @Test(arguments: ClusterStorage.allCases)
    func aJobFinishesExactlyAfterOneOfItsShardsIsKilled(storage: ClusterStorage) throws {
        let cluster = try TestCluster(shards: 2, storage: storage)
        var seen: Set<Int32> = []
        defer { cluster.stop(everSeen: seen) }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let contacts = DataEndToEndTests.dataSet(org: 1, count: 3_000)
        let body = contacts.map(\.line).joined(separator: "\n")
        _ = try cluster.send("POST", "/api/contacts/import", token: admin, body: body)
        let victim = try #require(cluster.currentPids()["shard-1"])
        seen.insert(victim)
        // Stopped, it cannot take its slice; killed, it is restarted and must be given the slice again.
        kill(victim, SIGSTOP)
        let filter = #"{"orgWide":true}"#
        let started = try cluster.send("DELETE", "/api/contacts/query-bulk-delete", token: admin, body: filter)
        let jobId = try #require(started.json["jobId"] as? String)
        usleep(300_000)
        kill(victim, SIGKILL)
        kill(victim, SIGCONT)

        var job: [String: Any] = [:]
        let finished = try eventually(timeout: .seconds(30)) {
            job = try cluster.send("GET", "/api/contacts/bulk-job/\(jobId)", token: admin).json
            return job["status"] as? String == "completed"
        }
        #expect(finished, "\(job)\(cluster.logs())")
        seen.formUnion(cluster.currentPids().values)
        #expect(job["total"] as? Int == 3_000)
        #expect(job["deleted"] as? Int == 3_000)
        #expect((job["cascade"] as? [String: Int])?["auditEntries"] == 3_000)
        let stats = try cluster.send("GET", "/api/contacts/stats", token: admin).json as? [String: Int]
        #expect(stats?["contacts"] == 0)
        #expect(stats?["messages"] == 0)
        #expect(stats?["auditEntries"] == 3_000)
        #expect(cluster.currentPids()["shard-1"] != victim)
        let slices = job["shards"] as? [[String: Any]]
        #expect(slices?[1]["restarts"] as? Int == 1, "\(slices ?? [])")
        #expect(slices?[0]["restarts"] as? Int == 0)
    }
}
