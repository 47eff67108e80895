import Foundation
import TestSupport
import Testing

/// `POST /api/contacts/bulk-job/{jobId}/restore` over real HTTP on a real cluster, on SQLite and
/// on PostgreSQL: a restorable delete and its restore give back every contact as
/// `GET /api/contacts/{id}` answered it before, byte for byte, with the restore's audit entries,
/// notifications and events exactly once; an id imported again meanwhile is left as it is now;
/// what may not be restored is refused (409, 410, 404, 403), and a permanent delete keeps nothing.
@Suite(.serialized) struct RestoreEndToEndTests {
    @Test(arguments: ClusterStorage.allCases)
    func aDeleteThenItsRestoreGivesBackEveryContactByteForByteAndLogsItExactlyOnce(storage: ClusterStorage) throws {
        let cluster = try TestCluster(shards: 4, storage: storage, environment: RestoreTenant.unlimitedReads)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let bystander = try cluster.token(org: "org-b", user: "u9")
        let tenant = RestoreTenant(contacts: 1_200)
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: tenant.body).status == 200)
        let bystanderData = DataEndToEndTests.dataSet(org: 2, count: 100).map(\.line).joined(separator: "\n")
        #expect(try cluster.send("POST", "/api/contacts/import", token: bystander, body: bystanderData).status == 200)
        let ids = tenant.contacts.map(\.id)
        let before = try cluster.contactAnswers(ids, token: admin)
        #expect(before.values.allSatisfy { $0.hasPrefix("200 ") }, "a contact could not be read before the delete")
        let statsBefore = try cluster.stats(token: admin)
        let bystanderBefore = try cluster.stats(token: bystander)

        // Paced so that it still runs when a restore is asked for: 409, and nothing to restore yet.
        let deleteId = try cluster.startJob(
            "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"orgWide":true,"requestsPerSecond":400}"#)
        let early = try cluster.restore(deleteId, token: admin)
        #expect(early.status == 409 && early.json["message"] is String, "\(early)")
        let running = try cluster.send("GET", "/api/contacts/bulk-job/\(deleteId)", token: admin).json
        #expect(
            running["permanent"] as? Bool == false && running["restorableUntil"] is NSNull && running["restoredBy"] is NSNull, "\(running)")
        _ = try cluster.send("POST", "/api/contacts/bulk-job/\(deleteId)/rethrottle?requestsPerSecond=-1", token: admin)
        let deleted = try cluster.waitForJob(deleteId, token: admin, timeout: .seconds(60))
        #expect(deleted["status"] as? String == "completed" && deleted["deleted"] as? Int == ids.count, "\(deleted)")
        #expect(deleted["cascade"] as? [String: Int] == tenant.cascade(of: tenant.contacts), "\(deleted)")
        // Restorable for the default window, 30 days from its end; gone from every read meanwhile.
        let until = try #require(epochMilliseconds(deleted["restorableUntil"]), "\(deleted)")
        let finished = try #require(epochMilliseconds(deleted["finishedAt"]), "\(deleted)")
        #expect(abs(until - finished - 30 * 86_400_000) <= 1_000, "\(deleted)")
        let statsDeleted = try cluster.stats(token: admin)
        #expect(RestoreTenant.recordCounts.allSatisfy { statsDeleted[$0] == 0 }, "\(statsDeleted)")
        #expect(try cluster.send("GET", "/api/contacts/\(ids[0])", token: admin).status == 404)

        // A deleted contact imported again, changed, before the restore: its id is in use again.
        // (Contact 3 has no application: what the restore passes by is the contact alone.)
        let taken = tenant.contacts[3]
        let changed =
            #"{"_id":"\#(taken.id)","stageId":"s1","assignedTo":"u0","name":"Imported Again","#
            + #""email":"again@example.com","phone":"+15550000","createdAt":"2026-02-01T00:00:00Z"}"#
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: changed).status == 200)
        let retaken = try cluster.contactAnswers([taken.id], token: admin)
        #expect(retaken[taken.id]?.contains("Imported Again") == true, "\(retaken)")

        let subscriber = try RawSSEClient(port: cluster.port, token: admin)
        _ = subscriber.collect(timeout: .milliseconds(300)) { _ in false }  // the subscription is in place
        let key = "Idempotency-Key: restore-\(deleteId)\r\n"
        let started = try cluster.restore(deleteId, token: admin, headers: key)
        #expect(started.status == 202 && started.json["message"] as? String == "Restore started", "\(started)")
        let restoreId = try #require(started.json["jobId"] as? String, "\(started)")
        #expect(UUID(uuidString: restoreId) != nil)
        // The delete names its restore from the first instant, and is no longer restorable.
        let named = try cluster.send("GET", "/api/contacts/bulk-job/\(deleteId)", token: admin).json
        #expect(named["restoredBy"] as? String == restoreId && named["restorableUntil"] is NSNull, "\(named)")
        let replayed = try cluster.restore(deleteId, token: admin, headers: key)
        #expect(replayed.status == 202 && replayed.json["jobId"] as? String == restoreId, "\(replayed)")
        #expect(replayed.headers["idempotent-replayed"] == "true", "\(replayed.headers)")
        let again = try cluster.restore(deleteId, token: admin)
        #expect(again.status == 409 && again.json["message"] is String, "a second restore: \(again)")

        let restore = try cluster.waitForJob(restoreId, token: admin, timeout: .seconds(60))
        let back = tenant.contacts.filter { $0.id != taken.id }
        #expect(restore["type"] as? String == "restore" && restore["restores"] as? String == deleteId, "\(restore)")
        #expect(restore["status"] as? String == "completed", "\(restore)")
        #expect(restore["total"] as? Int == ids.count && restore["processed"] as? Int == ids.count, "\(restore)")
        #expect(restore["restored"] as? Int == back.count && restore["deleted"] == nil, "\(restore)")
        #expect(restore["skipped"] as? Int == 1 && restore["failed"] as? Int == 0, "\(restore)")
        let errors = restore["errors"] as? [[String: Any]] ?? []
        #expect(errors.count == 1 && errors.first?["contactId"] as? String == taken.id, "\(errors)")
        #expect((errors.first?["message"] as? String)?.contains("id in use") == true, "\(errors)")
        #expect(restore["cascade"] as? [String: Int] == tenant.cascade(of: back), "\(restore)")
        // The list shows both as their documents do, newest first.
        let listed = try cluster.send("GET", "/api/contacts/bulk-jobs?limit=2", token: admin).json["jobs"] as? [[String: Any]] ?? []
        let listedTypes = listed.map { "\($0["jobId"] as? String ?? "?") \($0["type"] as? String ?? "?")" }
        #expect(listedTypes == ["\(restoreId) restore", "\(deleteId) delete"])
        #expect(listed.first?["restores"] as? String == deleteId && listed.last?["restoredBy"] as? String == restoreId, "\(listed)")

        // Every contact answers as before the delete, byte for byte; the one imported again as it is now.
        let after = try cluster.contactAnswers(ids, token: admin)
        let expected = before.merging(retaken) { $1 }
        let differing = ids.filter { after[$0] != expected[$0] }
        #expect(
            differing.isEmpty,
            "\(differing.count) contacts differ, as \(differing.first.map { "\(expected[$0] ?? "") became \(after[$0] ?? "")" } ?? "")")
        let statsAfter = try cluster.stats(token: admin)
        var counts = statsBefore
        counts["conversations", default: 0] -= taken.conversations
        counts["messages", default: 0] -= taken.conversations * 2
        for key in RestoreTenant.recordCounts { #expect(statsAfter[key] == counts[key], "\(key): \(statsAfter) against \(statsBefore)") }
        // The delete's logs stay, and the restore's come beside them.
        let assigned = { (contacts: [DataEndToEndTests.Seeded]) in contacts.filter { $0.assignee != nil }.count }
        #expect(statsAfter["auditEntries"] == ids.count + back.count + 2 * tenant.applications.count, "\(statsAfter)")
        #expect(statsAfter["notifications"] == assigned(tenant.contacts) + assigned(back), "\(statsAfter)")
        #expect(try cluster.stats(token: bystander) == bystanderBefore, "another org changed")

        // Exactly once each: an audit entry per restored contact and application, a notification
        // per restored contact to its assignee, an event per restored contact.
        let contactEntries = try cluster.allEntries("/api/event-logs?type=CONTACT_RESTORE&jobId=\(restoreId)", token: admin, limit: 500)
        #expect(contactEntries.total == back.count && Set(contactEntries.ids).count == contactEntries.ids.count)
        #expect(contactEntries.entries.compactMap { $0["contactId"] as? String }.sorted() == back.map(\.id).sorted())
        #expect(contactEntries.entries.allSatisfy { $0["type"] as? String == "CONTACT_RESTORE" && $0["actor"] as? String == "u1" })
        let applicationEntries = try cluster.allEntries(
            "/api/event-logs?type=APPLICATION_RESTORE&jobId=\(restoreId)", token: admin, limit: 500)
        #expect(applicationEntries.total == tenant.applications.count)
        #expect(applicationEntries.entries.compactMap { $0["applicationId"] as? String }.sorted() == tenant.applications.map(\.id).sorted())
        for user in ["u0", "u1"] {
            let mine = try cluster.allEntries(
                "/api/notifications", token: try cluster.token(org: "org-a", user: user, role: "agent"), limit: 500)
            let restored = mine.entries.filter { $0["type"] as? String == "contact_restored" }
            #expect(
                restored.compactMap { $0["contactId"] as? String }.sorted() == back.filter { $0.assignee == user }.map(\.id).sorted(),
                "\(user)")
            #expect(restored.allSatisfy { $0["jobId"] as? String == restoreId }, "\(user)")
        }
        var events = subscriber.collect(timeout: .seconds(20)) { events in
            events.filter { $0.type == "contact_restored" }.count >= back.count
        }
        events += subscriber.collect(timeout: .milliseconds(500)) { _ in false }  // a duplicate, had there been one
        let restoredEvents = events.filter { $0.type == "contact_restored" }
        #expect(Set(restoredEvents.map(\.id)).count == restoredEvents.count, "an event id came twice")
        let payloads = restoredEvents.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.data.utf8))) as? [String: String] }
        #expect(payloads.compactMap { $0["contactId"] }.sorted() == back.map(\.id).sorted())
        #expect(payloads.allSatisfy { $0["jobId"] == restoreId })
    }

    /// A permanent delete keeps no copy and no personal data in its audit entries, and cannot be
    /// restored (410); a cancelled restorable delete restores what it did delete; restores of what
    /// is not a delete, was restored already, is unknown or is another org's are refused.
    @Test(arguments: ClusterStorage.allCases)
    func aPermanentDeleteKeepsNothingAndACancelledOneRestoresWhatItDeleted(storage: ClusterStorage) throws {
        let cluster = try TestCluster(shards: 2, storage: storage)
        defer { cluster.stop() }
        try cluster.start()
        let admin = try cluster.token(org: "org-a", user: "u1")
        let tenant = RestoreTenant(contacts: 1_500)
        #expect(try cluster.send("POST", "/api/contacts/import", token: admin, body: tenant.body).status == 200)

        let gone = tenant.contacts.filter { $0.stage == "s0" }
        let permanentId = try cluster.startJob(
            "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["s0"],"permanent":true}"#)
        let permanent = try cluster.waitForJob(permanentId, token: admin)
        #expect(permanent["status"] as? String == "completed" && permanent["deleted"] as? Int == gone.count, "\(permanent)")
        #expect(
            permanent["permanent"] as? Bool == true && permanent["restorableUntil"] is NSNull && permanent["restoredBy"] is NSNull,
            "\(permanent)")
        #expect(try cluster.keptRows().values.allSatisfy { $0 == 0 }, "a permanent delete kept a copy")
        let refused = try cluster.restore(permanentId, token: admin)
        #expect(refused.status == 410 && refused.json["error"] is String && refused.json["message"] is String, "\(refused)")
        // Ids, job and actor only: not a name, an email or a phone number, anywhere in the entry.
        let entries = try cluster.allEntries("/api/event-logs?type=CONTACT_DELETE&jobId=\(permanentId)", token: admin, limit: 500).entries
        #expect(entries.compactMap { $0["contactId"] as? String }.sorted() == gone.map(\.id).sorted())
        #expect(entries.allSatisfy { $0["jobId"] as? String == permanentId && $0["actor"] as? String == "u1" })
        for entry in entries {
            let snapshot = entry["snapshot"]
            #expect(snapshot == nil || snapshot is NSNull || (snapshot as? [String: Any])?.isEmpty == true, "\(entry)")
            let text = String(decoding: try JSONSerialization.data(withJSONObject: entry), as: UTF8.self)
            #expect(!text.contains("@example.com") && !text.contains("+1555") && !text.contains("Person "), "\(text)")
        }
        #expect(try cluster.send("GET", "/api/contacts/bulk-job/\(permanentId)", token: admin).json["restoredBy"] is NSNull)

        // Cancelled after its first batches: it keeps, and its restore gives back, exactly what it deleted.
        let pacedId = try cluster.startJob(
            "DELETE", "/api/contacts/query-bulk-delete", token: admin, body: #"{"stageIds":["s1"],"requestsPerSecond":100}"#)
        _ = try cluster.waitForJob(pacedId, token: admin) { ($0["processed"] as? Int ?? 0) >= 100 }
        #expect(try cluster.send("DELETE", "/api/contacts/bulk-job/\(pacedId)", token: admin).status == 202)
        let cancelled = try cluster.waitForJob(pacedId, token: admin)
        let deletedCount = try #require(cancelled["deleted"] as? Int, "\(cancelled)")
        #expect(cancelled["status"] as? String == "cancelled", "\(cancelled)")
        #expect(deletedCount > 0 && deletedCount < tenant.contacts.filter { $0.stage == "s1" }.count, "\(cancelled)")
        #expect(epochMilliseconds(cancelled["restorableUntil"]) != nil, "a cancelled delete is restorable: \(cancelled)")
        #expect(try cluster.keptRows()["contacts"] == deletedCount)
        let audit = try cluster.allEntries("/api/event-logs?type=CONTACT_DELETE&jobId=\(pacedId)", token: admin, limit: 500).entries
        #expect(
            audit.allSatisfy { (($0["snapshot"] as? [String: Any])?["email"] as? String)?.hasSuffix("@example.com") == true },
            "a restorable delete's entries keep the snapshot")
        let restoreId = try cluster.startJob("POST", "/api/contacts/bulk-job/\(pacedId)/restore", token: admin)
        let restore = try cluster.waitForJob(restoreId, token: admin)
        #expect(restore["status"] as? String == "completed", "\(restore)")
        #expect(restore["total"] as? Int == deletedCount && restore["restored"] as? Int == deletedCount, "\(restore)")
        #expect(try cluster.stats(token: admin)["contacts"] == tenant.contacts.count - gone.count)
        #expect(try cluster.keptRows()["contacts"] == 0)

        // Refused: a restore of a restore (409), a second restore (409), an unknown job and
        // another org's (404, alike), and a caller who may only read (403).
        #expect(try cluster.restore(restoreId, token: admin).status == 409)
        #expect(try cluster.restore(pacedId, token: admin).status == 409)
        let unknown = try cluster.restore("00000000-0000-4000-8000-000000000000", token: admin)
        let foreign = try cluster.restore(pacedId, token: try cluster.token(org: "org-b", user: "u1"))
        #expect(
            unknown.status == 404 && foreign.status == 404 && unknown.json["error"] as? String == foreign.json["error"] as? String,
            "\(unknown) \(foreign)")
        #expect(try cluster.restore(permanentId, token: try cluster.token(org: "org-a", user: "u2", role: "agent")).status == 403)
    }
}
