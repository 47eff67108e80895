import Foundation
import PostgresDriver
@testable import Shard
import TestSupport
import Testing
import Wire
import WireRuntime

/// The engines a shard's partition can live in.
enum Engine: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }
}

/// One shard's partition on an engine: its writer and its readers, on a new, empty database.
struct OpenPartition {
    let store: any PartitionStore
    let reads: any PartitionReads
    /// Where it lives (a file path, or a connection string), to open it again.
    let location: String
    let engine: Engine

    static let everySlot = SlotRange(lower: 0, upper: PartitionMap.slotCount)

    static func new(_ engine: Engine, in scratch: ScratchDirectory) throws -> OpenPartition {
        switch engine {
        case .sqlite: try open(engine, at: "\(scratch.path)/\(UUID().uuidString).db")
        case .postgres: try open(engine, at: try TestPostgres.newDatabase())
        }
    }

    static func open(_ engine: Engine, at location: String) throws -> OpenPartition {
        switch engine {
        case .sqlite:
            let store = try SQLiteShardStore(path: location, index: 0, slots: everySlot)
            return OpenPartition(store: store, reads: try ReaderPool(path: location, index: 0), location: location, engine: engine)
        case .postgres:
            let store = try PostgresShardStore(connectionString: location, index: 0, slots: everySlot, cluster: .testCluster)
            let readers = ReaderPool(try (0..<2).map { _ in try PostgresShardReader(connectionString: location, index: 0) })
            return OpenPartition(store: store, reads: readers, location: location, engine: engine)
        }
    }

    /// Imports `records` in chunks as the shard's service does, stamped with a version above every earlier one.
    @discardableResult
    func importAll(org: String, _ records: [ImportRecord]) async throws -> ImportCounts {
        try await store.importAll(org: org, records, version: TestVersions.next())
    }

    /// Runs `assignment`'s slice to its end in batches of `limit`.
    func deleteAll(_ assignment: SliceAssignment, limit: Int = 7) async throws -> SliceProgress {
        var progress = try await store.startSlice(assignment)
        while !progress.outcome.isFinal { progress = try await store.runNextBatch(assignment.jobId, limit: limit) }
        return progress
    }
}

/// What every engine must do alike: the shard's storage tests, run on SQLite and on PostgreSQL
/// (a server of this test process's own, `TestPostgres`).
@Suite struct PartitionContractTests {
    private let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("contract")
    }

    static func id(_ number: Int) -> String { String(format: "%024x", number) }

    static func contact(
        _ number: Int, stage: String = "s1", assignee: String? = "u1", tags: [String] = ["t"], name: String? = nil, conversations: Int = 2
    ) -> ImportRecord {
        let id = id(number)
        return ImportRecord(
            kind: .contact, id: id, contactId: id, stageId: stage, assignedTo: assignee, name: name ?? "N \(number)", email: "e\(number)@x.io",
            phone: "\(number)", tags: tags, source: number % 2 == 0 ? "web" : nil, createdAt: Int64(number), updatedAt: Int64(number * 2),
            conversations: (0..<conversations).map { c in
                ConversationRecord(id: "c\(c)" + id.suffix(22), channel: "sms", createdAt: 1, messages: (0..<3).map { m in
                    MessageRecord(id: "m\(c)\(m)" + id.suffix(21), direction: "in", body: "tab\there \\ \"quoted\"\nline", createdAt: 2)
                })
            })
    }

    /// Application `number` of contact `contact`.
    static func application(_ number: Int, of contact: Int) -> ImportRecord {
        ImportRecord(
            kind: .application, id: id(10_000 + number), contactId: id(contact), stageId: "s9", assignedTo: nil, name: "App \(number)",
            email: "a\(number)@x.io", phone: "+\(number)", tags: [], source: nil, createdAt: 5, updatedAt: 6, conversations: [])
    }

    /// Contacts 0..<12, contact n with n % 4 applications (numbered from 100 n): 18 applications in all.
    static func contactsWithApplications() -> (contacts: [ImportRecord], applications: [ImportRecord]) {
        let contacts = (0..<12).map { contact($0, stage: $0 % 3 == 0 ? "s2" : "s1") }
        let applications = (0..<12).flatMap { number in (0..<number % 4).map { application(100 * number + $0, of: number) } }
        return (contacts, applications)
    }

    /// Makes the database refuse to delete contact `number` (a trigger raising, as a constraint
    /// would), or, `holding` false, lets it go again.
    private static func hold(contact number: Int, on partition: OpenPartition, holding: Bool = true) async throws {
        switch partition.engine {
        case .sqlite:
            let store = try #require(partition.store as? SQLiteShardStore)
            try await store.execute(holding
                ? "CREATE TEMP TRIGGER hold BEFORE DELETE ON contacts WHEN old.id = '\(id(number))' BEGIN SELECT RAISE(ABORT, 'on hold'); END"
                : "DROP TRIGGER hold")
        case .postgres:
            try PostgresConnection(partition.location).execute(holding
                ? """
                CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'on hold' USING ERRCODE = 'check_violation'; END $$;
                CREATE TRIGGER hold BEFORE DELETE ON contacts FOR EACH ROW WHEN (OLD.id = '\(id(number))') EXECUTE FUNCTION hold();
                """
                : "DROP TRIGGER hold ON contacts")
        }
    }

    /// The `APPLICATION_DELETE` audit entries of `jobId`, all of them.
    private static func applicationAudits(of jobId: String, in partition: OpenPartition) async throws -> LogPage {
        let query = LogQuery(kind: .auditEntries, org: "o1", type: "APPLICATION_DELETE", jobId: jobId, userId: nil, after: [], limit: 100)
        return try await partition.reads.logPage(query, after: 0, limit: 100)
    }

    /// A contact's delete takes its applications with it, in its batch, each with one
    /// `APPLICATION_DELETE` audit entry; the applications of contacts left alone stay.
    @Test(arguments: Engine.allCases)
    func aContactsDeleteTakesItsApplicationsEachWithOneAuditEntry(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        let (contacts, applications) = Self.contactsWithApplications()
        try await partition.importAll(org: "o1", contacts + applications)
        try await partition.importAll(org: "o2", [Self.contact(1), Self.application(100, of: 1)])
        var filter = ContactFilter()
        filter.stageIds = ["s1"]
        let done = try await partition.deleteAll(SliceAssignment(jobId: "job-a", org: "o1", requester: "boss", filter: filter), limit: 3)

        let deleted = applications.filter { application in contacts.contains { $0.id == application.contactId && $0.stageId == "s1" } }
        #expect(deleted.count == 12, "contacts 1, 2, 4, 5, 7, 8, 10, 11 have 1, 2, 0, 1, 3, 0, 2, 3 applications")
        #expect([done.counters.deleted, done.counters.applications, done.counters.auditEntries] == [8, 12, 8 + 12])
        let left = try await partition.reads.stats(org: "o1")
        #expect([left.contacts, left.applications, left.auditEntries] == [4, 6, 20], "contacts 0, 3, 6, 9 keep their 0 + 3 + 2 + 1")
        #expect(try await partition.reads.stats(org: "o2").applications == 1, "another org's applications are untouched")

        let audits = try await Self.applicationAudits(of: "job-a", in: partition)
        #expect(audits.total == 12)
        #expect(Set(audits.entries.map(\.recordId)) == Set(deleted.map(\.id)))
        #expect(audits.entries.allSatisfy { $0.actor == "boss" && $0.jobId == "job-a" && $0.type == "APPLICATION_DELETE" })
        let first = try #require(audits.entries.first)
        let application = try #require(deleted.first { $0.id == first.recordId })
        let snapshot = try #require(try JSONSerialization.jsonObject(with: Data(first.snapshot.utf8)) as? [String: String])
        #expect(snapshot == ["name": application.name, "email": application.email, "phone": application.phone])
    }

    /// A batch that fails half-way leaves its contacts' applications and their audit entries as
    /// they were; run again, it deletes each application and writes its entry exactly once.
    @Test(arguments: Engine.allCases)
    func aFailedBatchLeavesTheApplicationsAndItsRetryDeletesEachOnce(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        let (contacts, applications) = Self.contactsWithApplications()
        try await partition.importAll(org: "o1", contacts + applications)
        var filter = ContactFilter()
        filter.orgWide = true
        let assignment = SliceAssignment(jobId: "job-r", org: "o1", requester: "boss", filter: filter)
        _ = try await partition.store.startSlice(assignment)
        try await Self.hold(contact: 2, on: partition)
        await #expect(throws: (any Error).self) { try await partition.store.runNextBatch("job-r", limit: 5) }
        let untouched = try await partition.reads.stats(org: "o1")
        #expect([untouched.contacts, untouched.applications, untouched.auditEntries] == [12, 18, 0], "the failed batch left nothing behind")

        try await Self.hold(contact: 2, on: partition, holding: false)
        let done = try await partition.deleteAll(assignment, limit: 5)
        #expect([done.counters.deleted, done.counters.applications, done.counters.auditEntries] == [12, 18, 30])
        #expect(try await partition.reads.stats(org: "o1").applications == 0)
        let audits = try await Self.applicationAudits(of: "job-r", in: partition)
        #expect(audits.total == 18)
        #expect(Set(audits.entries.map(\.recordId)).count == 18, "one entry per application")
    }

    /// An application imported after the job was registered still goes with its contact: the
    /// contact is gone, and no record may be left naming it. One whose contact is newer stays.
    @Test(arguments: Engine.allCases)
    func anApplicationImportedAfterTheJobGoesWithItsContact(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        try await partition.importAll(org: "o1", (0..<4).map { Self.contact($0) })
        var filter = ContactFilter()
        filter.orgWide = true
        let assignment = SliceAssignment(jobId: "job-l", org: "o1", requester: "boss", filter: filter)
        try await partition.importAll(org: "o1", [Self.application(1, of: 2), Self.contact(7), Self.application(2, of: 7)])
        let done = try await partition.deleteAll(assignment)
        #expect([done.counters.deleted, done.counters.applications] == [4, 1])
        let left = try await partition.reads.stats(org: "o1")
        #expect([left.contacts, left.applications] == [1, 1], "contact 7 and its application, both newer than the job")
    }

    @Test(arguments: Engine.allCases)
    func importedRecordsReadBackWithTheirCascade(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        var odd = Self.contact(1, tags: ["a", "b \"quoted\"", "c,d", "{e}", "é"], name: "Tab\tand\\backslash")
        odd.assignedTo = nil
        let application = ImportRecord(
            kind: .application, id: Self.id(900), contactId: Self.id(1), stageId: "s2", assignedTo: nil, name: "App", email: "", phone: "",
            tags: [], source: nil, createdAt: 5, updatedAt: 6, conversations: [])
        let counts = try await partition.importAll(org: "o1", [odd] + (2..<30).map { Self.contact($0) } + [application])
        #expect(counts == ImportCounts(contacts: 29, applications: 1, conversations: 58, messages: 174))
        let stats = try await partition.reads.stats(org: "o1")
        #expect([stats.contacts, stats.applications, stats.conversations, stats.messages] == [29, 1, 58, 174])
        #expect(try await partition.reads.stats(org: "o2") == OrgStats())

        let detail = try #require(try await partition.reads.contact(org: "o1", id: Self.id(1)))
        #expect(detail.contact.name == "Tab\tand\\backslash")
        #expect(detail.contact.tags == ["a", "b \"quoted\"", "c,d", "{e}", "é"])
        #expect(detail.contact.assignedTo == nil)
        #expect(detail.contact.source == nil)
        #expect([detail.conversationCount, detail.messageCount] == [2, 6])
        #expect(try await partition.reads.contact(org: "o2", id: Self.id(1)) == nil)

        // A re-import replaces the contact and its whole cascade; within one chunk, the last of an id wins.
        try await partition.importAll(org: "o1", [Self.contact(2, name: "first", conversations: 2), Self.contact(2, name: "last", conversations: 1)])
        let replaced = try #require(try await partition.reads.contact(org: "o1", id: Self.id(2)))
        #expect(replaced.contact.name == "last")
        #expect([replaced.conversationCount, replaced.messageCount] == [1, 3])
        #expect(try await partition.reads.stats(org: "o1").contacts == 29)
    }

    /// `GET /api/contacts/stats?by=…` on one shard: the org's contacts (not its applications, not another
    /// org's) counted by stage and by owner, the largest groups first, the unowned as the nil key.
    @Test(arguments: Engine.allCases)
    func contactsAreCountedByStageAndByOwnerTheLargestGroupsFirst(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        let contacts = (1...30).map { number in
            Self.contact(
                number, stage: number <= 15 ? "s1" : number <= 25 ? "s2" : "s0", assignee: number <= 12 ? nil : number <= 20 ? "u2" : "u1",
                conversations: 0)
        }
        try await partition.importAll(org: "o1", contacts + [Self.application(1, of: 1), Self.application(2, of: 1)])
        try await partition.importAll(org: "o2", (40..<43).map { Self.contact($0, stage: "s1", conversations: 0) })

        let byStage = try await partition.reads.groups(org: "o1", by: .stage)
        #expect(byStage == ContactGroups(
            groups: [ContactGroup(key: "s1", contacts: 15), ContactGroup(key: "s2", contacts: 10), ContactGroup(key: "s0", contacts: 5)],
            truncated: false))
        let byOwner = try await partition.reads.groups(org: "o1", by: .owner)
        #expect(byOwner == ContactGroups(
            groups: [ContactGroup(key: nil, contacts: 12), ContactGroup(key: "u1", contacts: 10), ContactGroup(key: "u2", contacts: 8)],
            truncated: false))
        #expect(try await partition.reads.groups(org: "o3", by: .stage) == ContactGroups(groups: [], truncated: false))
    }

    /// A shard with more distinct values than `StatsGroups.perShard` sends that many, the largest, and says it left some out.
    @Test(arguments: Engine.allCases)
    func aShardWithMoreGroupsThanItSendsSaysTruncated(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        let distinct = (0...StatsGroups.perShard).map { Self.contact($0, stage: "stage-\($0)", conversations: 0) }
        try await partition.importAll(org: "o1", distinct + [Self.contact(StatsGroups.perShard + 1, stage: "stage-7", conversations: 0)])
        let groups = try await partition.reads.groups(org: "o1", by: .stage)
        #expect(groups.truncated)
        #expect(groups.groups.count == StatsGroups.perShard)
        #expect(groups.groups.first == ContactGroup(key: "stage-7", contacts: 2))
        #expect(try await partition.reads.groups(org: "o1", by: .owner) == ContactGroups(groups: [ContactGroup(key: "u1", contacts: 10_002)], truncated: false))
    }

    /// `POST /api/contacts/query` on one shard: the matches in id order, a page at a time, each
    /// read back as it was imported; the page says whether more follow.
    @Test(arguments: Engine.allCases)
    func matchingRecordsComeInIdOrderAPageAtATime(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        let contacts = (1...25).reversed().map { Self.contact($0, stage: $0 % 3 == 0 ? "s3" : "s1", tags: ["t\($0 % 2)", "é \"q\""]) }
        let application = ImportRecord(
            kind: .application, id: Self.id(900), contactId: Self.id(1), stageId: "s3", assignedTo: nil, name: "App", email: "", phone: "",
            tags: [], source: nil, createdAt: 5, updatedAt: 6, conversations: [])
        try await partition.importAll(org: "o1", contacts + [application])
        try await partition.importAll(org: "o2", [Self.contact(3, stage: "s3")])
        var staged = ContactFilter()
        staged.stageIds = ["s3"]

        var seen: [ImportRecord] = []
        var after: String?
        var pages = 0
        repeat {
            let page = try await partition.reads.records(RecordQuery(org: "o1", filter: staged, after: after, limit: 3))
            seen += page.records
            pages += 1
            after = page.more ? page.records.last?.id : nil
        } while after != nil
        let expected = contacts.filter { $0.stageId == "s3" }.sorted { $0.id < $1.id }
        #expect(seen.map(\.id) == expected.map(\.id))
        #expect(pages == 3, "8 matches in pages of 3")
        var stripped = expected[0]
        stripped.conversations = []
        #expect(seen.first == stripped, "a record reads back as it was imported, without its conversations")

        staged.pipeline = .application
        let applications = try await partition.reads.records(RecordQuery(org: "o1", filter: staged, after: nil, limit: 3))
        #expect(applications == RecordPage(records: [application], more: false))
        staged.pipeline = .contact
        staged.tagsAny = ["t1"]
        let tagged = try await partition.reads.records(RecordQuery(org: "o1", filter: staged, after: Self.id(9), limit: 10))
        #expect(tagged.records.map(\.id) == [Self.id(15), Self.id(21)] && !tagged.more)
    }

    @Test(arguments: Engine.allCases)
    func anOrgWideDeleteTakesEveryRecordWithItsCascadeAndSideEffects(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        try await partition.importAll(org: "o1", (0..<40).map { Self.contact($0, assignee: $0 % 4 == 0 ? nil : "u\($0 % 3)") })
        try await partition.importAll(org: "o2", (100..<105).map { Self.contact($0) })
        var filter = ContactFilter()
        filter.orgWide = true
        let progress = try await partition.deleteAll(SliceAssignment(jobId: "job-1", org: "o1", requester: "boss", filter: filter))
        #expect(progress.outcome == .finished)
        let counters = progress.counters
        #expect([counters.total, counters.deleted, counters.skipped, counters.failed] == [40, 40, 0, 0])
        #expect([counters.conversations, counters.messages, counters.auditEntries, counters.notifications, counters.events] == [80, 240, 40, 30, 40])

        let after = try await partition.reads.stats(org: "o1")
        #expect([after.contacts, after.conversations, after.messages, after.auditEntries, after.notifications] == [0, 0, 0, 40, 30])
        #expect(try await partition.reads.stats(org: "o2").contacts == 5, "another org's records are untouched")

        let events = try await partition.store.outbox(limit: 100)
        #expect(events.count == 40)
        #expect(events.map(\.seq) == events.map(\.seq).sorted())
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(events[0].payload.utf8)) as? [String: String])
        #expect(payload["jobId"] == "job-1")
        #expect(payload["contactId"].map { $0.count == 24 } == true)
        try await partition.store.removeFromOutbox(through: events[9].seq)
        #expect(try await partition.store.outbox(limit: 100).count == 30)

        let audits = try await partition.reads.logPage(LogQuery(kind: .auditEntries, org: "o1", type: "CONTACT_DELETE", jobId: "job-1", userId: nil, after: [], limit: 5), after: 0, limit: 5)
        #expect(audits.total == 40)
        #expect(audits.entries.count == 5)
        #expect(audits.entries[0].actor == "boss")
        let snapshot = try #require(try JSONSerialization.jsonObject(with: Data(audits.entries[0].snapshot.utf8)) as? [String: String])
        #expect(Set(snapshot.keys) == ["name", "email", "phone"])
        let notices = try await partition.reads.logPage(LogQuery(kind: .notifications, org: "o1", type: nil, jobId: nil, userId: "u1", after: [], limit: 100), after: 0, limit: 100)
        #expect(notices.total == 10)
    }

    @Test(arguments: Engine.allCases)
    func aSliceResumesFromItsCheckpointAfterTheStoreIsOpenedAgain(engine: Engine) async throws {
        var partition: OpenPartition? = try OpenPartition.new(engine, in: scratch)
        let location = try #require(partition?.location)
        try await partition?.importAll(org: "o1", (0..<30).map { Self.contact($0) } + (0..<30).map { Self.application($0, of: $0) })
        var filter = ContactFilter()
        filter.orgWide = true
        let assignment = SliceAssignment(jobId: "job-r", org: "o1", requester: "boss", filter: filter)
        _ = try await partition?.store.startSlice(assignment)
        let first = try #require(try await partition?.store.runNextBatch("job-r", limit: 12))
        #expect(first.counters.deleted == 12)
        try await partition?.store.close()  // the process exits: its lock goes with it
        partition = nil

        let reopened = try OpenPartition.open(engine, at: location)
        let again = try await reopened.store.startSlice(assignment)
        #expect(again.counters.deleted == 12, "a repeated assignment resumes, never restarts")
        #expect(again.counters.applications == 12, "the checkpoint keeps the applications deleted with its batch")
        let done = try await reopened.deleteAll(assignment)
        #expect([done.counters.total, done.counters.deleted, done.counters.applications, done.counters.auditEntries] == [30, 30, 30, 60])
        #expect([try await reopened.reads.stats(org: "o1").contacts, try await reopened.reads.stats(org: "o1").applications] == [0, 0])
        #expect(try await Self.applicationAudits(of: "job-r", in: reopened).total == 30)
    }

    /// A restarted shard runs a slice as the kind its row records, never as a kind it assumes;
    /// a row of a kind this build does not know is refused, never run as another.
    @Test(arguments: Engine.allCases)
    func aSliceIsReloadedAsTheKindItsRowRecords(engine: Engine) async throws {
        var partition: OpenPartition? = try OpenPartition.new(engine, in: scratch)
        let location = try #require(partition?.location)
        try await partition?.importAll(org: "o1", (0..<5).map { Self.contact($0) })
        var filter = ContactFilter()
        filter.orgWide = true
        let assignment = SliceAssignment(
            jobId: "job-k", kind: .delete, org: "o1", requester: "boss", filter: filter, watermark: TestVersions.next())
        _ = try await partition?.store.startSlice(assignment)
        try await partition?.store.close()
        partition = nil

        let reopened = try OpenPartition.open(engine, at: location)
        let ledger = try #require(reopened.store as? any SliceLedger)
        let row = try #require(try await ledger.loadSliceRow("job-k"))
        #expect(row.kind == Int64(JobKind.delete.rawValue))
        #expect(try row.slice().assignment.kind == .delete)
        let unknown = "UPDATE delete_slices SET kind = 200 WHERE job_id = 'job-k'"
        switch engine {
        case .sqlite: try await #require(reopened.store as? SQLiteShardStore).execute(unknown)
        case .postgres: try PostgresConnection(location).execute(unknown)
        }
        let error = await #expect(throws: StoreError.self) { try await reopened.store.runNextBatch("job-k", limit: 5) }
        #expect(error == .unknownSliceKind(jobId: "job-k", kind: 200))
        #expect(try await reopened.reads.stats(org: "o1").contacts == 5, "nothing was done to the records")
    }

    @Test(arguments: Engine.allCases)
    func recordsImportedAfterTheJobWasRegisteredAreLeftAlone(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        try await partition.importAll(org: "o1", (0..<10).map { Self.contact($0) })
        var filter = ContactFilter()
        filter.orgWide = true
        let assignment = SliceAssignment(jobId: "job-w", org: "o1", requester: "boss", filter: filter)
        try await partition.importAll(org: "o1", (10..<15).map { Self.contact($0) })
        let done = try await partition.deleteAll(assignment)
        #expect([done.counters.total, done.counters.deleted] == [10, 10])
        #expect(try await partition.reads.stats(org: "o1").contacts == 5)
    }

    /// A contact imported again after the job was registered keeps its place in `seq` order, inside
    /// an org-wide batch's range: it and its conversations and messages stay, its neighbours go.
    @Test(arguments: Engine.allCases)
    func aContactImportedAgainAfterTheJobWasRegisteredKeepsItsCascade(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        try await partition.importAll(org: "o1", (0..<10).map { Self.contact($0) })
        var filter = ContactFilter()
        filter.orgWide = true
        let assignment = SliceAssignment(jobId: "job-a", org: "o1", requester: "boss", filter: filter)
        try await partition.importAll(org: "o1", [Self.contact(4, name: "Again")])
        let done = try await partition.deleteAll(assignment, limit: 10)
        #expect([done.counters.total, done.counters.deleted] == [9, 9])
        #expect([done.counters.conversations, done.counters.messages] == [18, 54])
        let left = try await partition.reads.stats(org: "o1")
        #expect([left.contacts, left.conversations, left.messages] == [1, 2, 6])
    }

    @Test(arguments: Engine.allCases)
    func aCancelStopsASliceAndATombstoneKeepsAnUnassignedJobFromStarting(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        try await partition.importAll(org: "o1", (0..<20).map { Self.contact($0) })
        var filter = ContactFilter()
        filter.orgWide = true
        let assignment = SliceAssignment(jobId: "job-c", org: "o1", requester: "boss", filter: filter)
        _ = try await partition.store.startSlice(assignment)
        _ = try await partition.store.runNextBatch("job-c", limit: 5)
        let cancelled = try await partition.store.cancelSlice("job-c")
        #expect(cancelled.outcome == .cancelled)
        #expect(try await partition.store.runNextBatch("job-c", limit: 5).counters.deleted == 5, "nothing more is deleted")

        #expect(try await partition.store.cancelSlice("job-early").outcome == .cancelled)
        let late = try await partition.store.startSlice(SliceAssignment(jobId: "job-early", org: "o1", requester: "boss", filter: filter))
        #expect(late.outcome == .cancelled)
        #expect(try await partition.reads.stats(org: "o1").contacts == 15)
    }

    @Test(arguments: Engine.allCases)
    func aRecordSetAsideAsFailedIsPassedByAndCounted(engine: Engine) async throws {
        let partition = try OpenPartition.new(engine, in: scratch)
        try await partition.importAll(org: "o1", (0..<6).map { Self.contact($0) })
        var filter = ContactFilter()
        filter.orgWide = true
        let assignment = SliceAssignment(jobId: "job-f", org: "o1", requester: "boss", filter: filter)
        _ = try await partition.store.startSlice(assignment)
        let failed = try await partition.store.failNextRecord("job-f", reason: "held by a legal hold")
        #expect(failed.errors.map(\.message) == ["held by a legal hold"])
        #expect(failed.errors.first?.recordId == Self.id(0), "the first in seq order")
        let done = try await partition.deleteAll(assignment)
        #expect([done.counters.total, done.counters.deleted, done.counters.failed, done.counters.skipped] == [6, 5, 1, 0])
        #expect(try await partition.reads.contact(org: "o1", id: Self.id(0)) != nil)
    }

    /// Filters mean the same on both engines: every rule, its edge cases (case, non-ASCII,
    /// LIKE's wildcards, duplicate and awkward tags), counted and deleted on each.
    @Test func everyFilterMatchesTheSameRecordsOnBothEngines() async throws {
        let names = ["Ada Lovelace", "ADA KING", "émile", "ÉMILE", "50% off_sale", "back\\slash", "Zoë"]
        let records = (0..<70).map { number in
            Self.contact(
                number, stage: "s\(number % 3)", assignee: number % 5 == 0 ? nil : "u\(number % 4)",
                tags: [["vip"], ["vip", "lead"], [], ["lead", "é", "a,b"], ["VIP"]][number % 5], name: names[number % names.count], conversations: 0)
        }
        let partitions = try Engine.allCases.map { try OpenPartition.new($0, in: scratch) }
        for partition in partitions { try await partition.importAll(org: "o1", records) }

        var filters: [ContactFilter] = []
        func add(_ change: (inout ContactFilter) -> Void) {
            var filter = ContactFilter()
            filter.requester = "u1"
            filter.stageIds = ["s0", "s2"]
            change(&filter)
            filters.append(filter)
        }
        add { $0.orgWide = true }
        add { _ in }
        add { $0.stageIds = [] }
        add { $0.owner = .owned }
        add { $0.owner = .unowned }
        add { $0.owner = .mine }
        add { $0.createdAfter = 10; $0.createdBefore = 50 }
        add { $0.updatedAfter = 40; $0.updatedBefore = 41 }
        add { $0.orgWide = true; $0.tagsAny = ["vip", "é"] }
        add { $0.orgWide = true; $0.tagsAll = ["vip", "lead", "vip"] }
        add { $0.orgWide = true; $0.tagsAll = ["a,b"] }
        add { $0.orgWide = true; $0.source = "web" }
        add { $0.orgWide = true; $0.assignedTo = ["u1", "u3"] }
        add { $0.orgWide = true; $0.assignedTo = [] }
        for term in ["ada", "ÉMILE", "émile", "%", "_", "50% off", "\\", "zoë", "ZOË", "e1"] {
            add { $0.orgWide = true; $0.search = term }
        }
        var seen = Set<UInt64>()
        for filter in filters {
            var counts: [UInt64] = []
            for partition in partitions { counts.append(try await partition.reads.count(org: "o1", filter: filter)) }
            #expect(counts[0] == counts[1], "\(filter): SQLite \(counts[0]), PostgreSQL \(counts[1])")
            seen.insert(counts[0])
        }
        #expect(seen.count >= 10, "the filters tell records apart: \(seen.sorted())")
        // And a delete by a narrow filter takes the same records.
        var narrow = ContactFilter()
        narrow.stageIds = ["s1"]
        narrow.tagsAny = ["lead"]
        narrow.search = "a"
        var left: [[Bool]] = []
        for partition in partitions {
            _ = try await partition.deleteAll(SliceAssignment(jobId: "job-n", org: "o1", requester: "boss", filter: narrow), limit: 3)
            var present: [Bool] = []
            for record in records { present.append(try await partition.reads.contact(org: "o1", id: record.id) != nil) }
            left.append(present)
        }
        #expect(left[0] == left[1])
        #expect(left[0].contains(false))
    }
}

/// What only PostgreSQL needs proving: its fencing lock.
@Suite struct PostgresPartitionTests {
    @Test func aSecondStoreForTheSameShardIsRefusedUntilTheFirstCloses() async throws {
        let location = try TestPostgres.newDatabase()
        let first = try PostgresShardStore(connectionString: location, index: 0, slots: OpenPartition.everySlot, cluster: .testCluster)
        #expect(throws: StoreError.self) { try PostgresShardStore(connectionString: location, index: 0, slots: OpenPartition.everySlot, cluster: .testCluster) }
        try await first.close()
        _ = try PostgresShardStore(connectionString: location, index: 0, slots: OpenPartition.everySlot, cluster: .testCluster)
    }

    /// Version 1 had no index of applications by their contact; opened, a database gains it, as a
    /// contact's delete finds its applications by it, and records the current version.
    @Test func aVersion1DatabaseGainsTheIndexOfApplicationsByContact() throws {
        let location = try TestPostgres.newDatabase()
        let setup = try PostgresConnection(location)
        try setup.execute(PostgresSchema.statements)
        try setup.execute("DROP INDEX applications_by_contact")
        try setup.query("INSERT INTO meta (key, value) VALUES ('owner', $1), ('schema', '1')", [.text("shard 0 (slots \(OpenPartition.everySlot))")])
        _ = try PostgresShardStore(connectionString: location, index: 0, slots: OpenPartition.everySlot, cluster: .testCluster)
        #expect(try setup.query("SELECT value FROM meta WHERE key = 'schema'").text(0, 0) == "\(PostgresSchema.version)")
        #expect(try setup.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'applications_by_contact'") == 1)
    }

    /// Version 2 kept a slice's state as two flags and no kind; opened, a database keeps one status
    /// for each slice (a cancelled one was also marked finished), records each as a delete (the
    /// only kind before), its slices answer as before, and the flags are gone.
    @Test func aVersion2DatabaseFoldsEachSlicesTwoFlagsIntoItsStatusAndRecordsItsKind() async throws {
        let location = try TestPostgres.newDatabase()
        let setup = try PostgresConnection(location)
        try setup.execute(PostgresSchema.statements)
        try setup.execute("""
            DROP TABLE delete_slices;
            CREATE TABLE delete_slices (
                job_id text PRIMARY KEY, org text NOT NULL, requester text NOT NULL, filter bytea NOT NULL, watermark bigint NOT NULL,
                counters bytea NOT NULL, finished boolean NOT NULL DEFAULT false, cancelled boolean NOT NULL DEFAULT false,
                created_at bigint NOT NULL);
            """)
        try setup.query("INSERT INTO meta (key, value) VALUES ('owner', $1), ('schema', '2')", [.text("shard 0 (slots \(OpenPartition.everySlot))")])
        var filter = ContactFilter()
        filter.stageIds = ["gone"]
        var counters = DeleteCounters()
        counters.total = 5
        for (job, finished, cancelled) in [("running", "f", "f"), ("finished", "t", "f"), ("cancelled", "t", "t")] {
            try setup.query("""
                INSERT INTO delete_slices (job_id, org, requester, filter, watermark, counters, finished, cancelled, created_at)
                VALUES ($1, 'o1', 'admin', $2, 1, $3, $4, $5, 1)
                """, [.text(job), .bytes(filter.storedBytes), .bytes(counters.storedBytes), .text(finished), .text(cancelled)])
        }
        let store = try PostgresShardStore(connectionString: location, index: 0, slots: OpenPartition.everySlot, cluster: .testCluster)
        #expect(try setup.query("SELECT value FROM meta WHERE key = 'schema'").text(0, 0) == "\(PostgresSchema.version)")
        let statuses = try setup.query("SELECT job_id, status FROM delete_slices ORDER BY job_id")
        #expect((0..<statuses.count).map { "\(statuses.text($0, 0))=\(statuses.integer($0, 1))" } == [
            "cancelled=\(SliceStatus.cancelled.rawValue)", "finished=\(SliceStatus.finished.rawValue)", "running=\(SliceStatus.running.rawValue)",
        ])
        #expect(try setup.query("SELECT DISTINCT kind FROM delete_slices").integer(0, 0) == Int64(JobKind.delete.rawValue))
        #expect(try setup.scalar("SELECT count(DISTINCT kind) FROM delete_slices") == 1)
        #expect(try setup.scalar("""
            SELECT count(*) FROM information_schema.columns WHERE table_name = 'delete_slices' AND column_name IN ('finished', 'cancelled')
            """) == 0)
        #expect(try await store.cancelProgress("finished").outcome == .finished)
        #expect(try await store.cancelProgress("cancelled").outcome == .cancelled)
        #expect(try await store.cancelProgress("running").outcome == .running)
    }

    /// As SQLite's: a database written by a newer build is refused as misconfigured, and left as it was.
    @Test func aDatabaseOfANewerSchemaIsRefusedAsMisconfigured() async throws {
        let location = try TestPostgres.newDatabase()
        try await PostgresShardStore(connectionString: location, index: 0, slots: OpenPartition.everySlot, cluster: .testCluster).close()
        let setup = try PostgresConnection(location)
        try setup.execute("UPDATE meta SET value = '\(PostgresSchema.version + 1)' WHERE key = 'schema'")
        let error = #expect(throws: StoreError.self) {
            try PostgresShardStore(connectionString: location, index: 0, slots: OpenPartition.everySlot, cluster: .testCluster)
        }
        guard case .newerSchema(_, let found, let supported) = error else {
            Issue.record("expected newerSchema, got \(String(describing: error))")
            return
        }
        #expect([found, supported] == [Int64(PostgresSchema.version + 1), Int64(PostgresSchema.version)])
        #expect(error.map { ShardExit(for: $0) } == .misconfigured)
        #expect(try setup.query("SELECT value FROM meta WHERE key = 'schema'").text(0, 0) == "\(PostgresSchema.version + 1)")
    }

    /// A contact batch finds its contacts' applications by `applications_by_contact`, in the
    /// generic plan every batch runs: never by reading all of the org's applications.
    @Test func aContactBatchFindsItsApplicationsByTheirContactsIndex() async throws {
        let location = try TestPostgres.newDatabase()
        let store = try PostgresShardStore(connectionString: location, index: 0, slots: OpenPartition.everySlot, cluster: .testCluster)
        // Enough applications that reading all of them costs more than a probe for each contact's.
        let contacts = bareContacts(5_000)
        let applications = contacts.map { contact in
            ImportRecord(
                kind: .application, id: "a" + contact.id.dropFirst(), contactId: contact.id, stageId: nil, assignedTo: nil, name: "", email: "",
                phone: "", tags: [], source: nil, createdAt: 1, updatedAt: 1, conversations: [])
        }
        _ = try await store.importAll(org: "o1", contacts + applications, version: TestVersions.next())
        var filter = ContactFilter()
        filter.orgWide = true
        let batch = PostgresDeleteBatch(
            slice: StoredSlice(assignment: SliceAssignment(jobId: "job-p", org: "o1", requester: "boss", filter: filter), total: 5_000), limit: 50, now: 1)
        let literals = batch.bindings.map { value in
            switch value {
            case .integer(let number): "\(number)"
            case .text(let text): "'\(text)'"
            default: "NULL"
            }
        }
        let connection = try PostgresConnection(location)
        try connection.execute("""
            ANALYZE; BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off; PREPARE batch AS \(batch.sql)
            """)
        let plan = try connection.query("EXPLAIN EXECUTE batch(\(literals.joined(separator: ", ")))")
        let lines = (0..<plan.count).map { plan.text($0, 0) }
        try connection.execute("ROLLBACK")
        #expect(lines.contains { $0.contains("Index Scan using applications_by_contact on applications") }, "\(lines.joined(separator: "\n"))")
    }

    @Test func aDatabaseMadeForAnotherShardIsRefused() async throws {
        let location = try TestPostgres.newDatabase()
        // Closed, not only dropped: the server lets go of a dropped session's lock a moment later,
        // and the next open would be refused for the lock rather than for the database.
        try await PostgresShardStore(connectionString: location, index: 0, slots: SlotRange(lower: 0, upper: 10), cluster: .testCluster).close()
        let refused = #expect(throws: StoreError.self) { try PostgresShardStore(connectionString: location, index: 0, slots: SlotRange(lower: 0, upper: 20), cluster: .testCluster) }
        if case .foreignDatabase = refused {} else { Issue.record("expected foreignDatabase, got \(String(describing: refused))") }
    }

    @Test func aReadPastItsBudgetIsStoppedWithAClearErrorAndTheReaderGoesOn() async throws {
        let location = try TestPostgres.newDatabase()
        let store = try PostgresShardStore(connectionString: location, index: 0, slots: OpenPartition.everySlot, cluster: .testCluster)
        _ = try await store.importAll(org: "o1", bareContacts(20_000), version: TestVersions.next())
        let reader = try PostgresShardReader(connectionString: location, index: 0)
        var costly = ContactFilter()
        costly.stageIds = ["s"]
        costly.search = "no such text anywhere"
        let filter = costly
        await reader.setReadBudget(.zero)  // statement_timeout's least: 1 ms
        let error = await #expect(throws: StoreError.self) {
            try await reader.withinReadBudget("counting the matches") { try $0.count(org: "o1", filter: filter) }
        }
        #expect(error == .readBudgetExceeded(what: "counting the matches", budget: .zero))
        await reader.setReadBudget(SQLiteShardReader.standardReadBudget)
        #expect(try await reader.withinReadBudget("counting the matches") { try $0.count(org: "o1", filter: filter) } == 0)
        #expect(try await reader.withinReadBudget("stats") { try $0.stats(org: "o1") }.contacts == 20_000)
    }

    /// A record the database will not let go (here a trigger raising a check violation, as a
    /// constraint would) fails its batch as a `.record` fault and leaves nothing of it behind;
    /// set aside as failed, it is passed by and the rest is deleted.
    @Test func aRecordThatCannotBeDeletedFailsItsBatchAsARecordFaultAndCanBeSetAside() async throws {
        let location = try TestPostgres.newDatabase()
        let store = try PostgresShardStore(connectionString: location, index: 0, slots: OpenPartition.everySlot, cluster: .testCluster)
        _ = try await store.importAll(org: "o1", (0..<20).map { sliceContact($0, stage: "s", assignee: "u") }, version: TestVersions.next())
        let held = String(format: "%024x", 0)
        try PostgresConnection(location).execute("""
            CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'contact % is on legal hold', OLD.id USING ERRCODE = 'check_violation'; END $$;
            CREATE TRIGGER hold BEFORE DELETE ON contacts FOR EACH ROW WHEN (OLD.id = '\(held)') EXECUTE FUNCTION hold();
            """)
        var filter = ContactFilter()
        filter.orgWide = true
        _ = try await store.startSlice(SliceAssignment(jobId: "job-h", org: "o1", requester: "boss", filter: filter))
        let failure = await #expect(throws: PostgresError.self) { try await store.runNextBatch("job-h", limit: 5) }
        #expect(failure?.fault == .record)
        let reader = try PostgresShardReader(connectionString: location, index: 0)
        let untouched = try await reader.withinReadBudget("stats") { try $0.stats(org: "o1") }
        #expect([untouched.contacts, untouched.messages, untouched.auditEntries] == [20, 120, 0], "the failed batch left nothing behind")
        let setAside = try await store.failNextRecord("job-h", reason: "on legal hold")
        #expect(setAside.errors.map(\.recordId) == [held])
        var progress = setAside
        while !progress.outcome.isFinal { progress = try await store.runNextBatch("job-h", limit: 5) }
        #expect([progress.counters.deleted, progress.counters.failed, progress.counters.auditEntries] == [19, 1, 19])
    }

    /// A bulk import leaves the planner's statistics stale; once writes pause, the shard refreshes them.
    @Test func anIdleShardAnalyzesAfterManyWritesAndVacuumsAfterManyDeletes() async throws {
        let location = try TestPostgres.newDatabase()
        let store = try PostgresShardStore(connectionString: location, index: 0, slots: OpenPartition.everySlot, cluster: .testCluster)
        let records = bareContacts(PostgresShardStore.analyzeAfter)
        _ = try await store.importAll(org: "o1", Array(records.prefix(100)), version: TestVersions.next())
        #expect(try await store.checkpointIfIdle() == false)
        for _ in 1..<PostgresShardStore.quietLooksBeforeHousekeeping { #expect(try await store.checkpointIfIdle() == false) }
        #expect(try await store.checkpointIfIdle() == false, "fewer records than analyzeAfter: nothing to refresh")
        _ = try await store.importAll(org: "o1", Array(records.dropFirst(100)), version: TestVersions.next())
        #expect(try await store.checkpointIfIdle() == false, "written since the last look: not idle yet")
        for _ in 1..<PostgresShardStore.quietLooksBeforeHousekeeping { #expect(try await store.checkpointIfIdle() == false) }
        #expect(try await store.checkpointIfIdle() == true)
        // PostgreSQL publishes a backend's statistics to other sessions within a few seconds.
        let observer = try PostgresConnection(location)
        let contacts = "FROM pg_stat_user_tables WHERE relname = 'contacts'"
        try await waitUntil(timeout: .seconds(20)) { (try? observer.scalar("SELECT count(*) \(contacts) AND last_analyze IS NOT NULL")) == 1 }
        #expect(try observer.scalar("SELECT vacuum_count \(contacts)") == 0, "rows only added are autovacuum's to tidy")
        #expect(try await store.checkpointIfIdle() == false, "nothing new written since")

        // A large delete: a vacuum runs once it pauses, on its own connection, the store writing on meanwhile.
        var filter = ContactFilter()
        filter.orgWide = true
        var progress = try await store.startSlice(SliceAssignment(jobId: "job-v", org: "o1", requester: "boss", filter: filter))
        while !progress.outcome.isFinal { progress = try await store.runNextBatch("job-v", limit: 2_000) }
        #expect(progress.counters.deleted == UInt64(PostgresShardStore.vacuumAfter))
        #expect(try await store.checkpointIfIdle() == false)
        for _ in 1..<PostgresShardStore.quietLooksBeforeHousekeeping { #expect(try await store.checkpointIfIdle() == false) }
        #expect(try await store.checkpointIfIdle() == true)
        _ = try await store.importAll(org: "o2", Array(records.prefix(10)), version: TestVersions.next())
        try await waitUntil(timeout: .seconds(20)) { (try? observer.scalar("SELECT vacuum_count \(contacts)")) == 1 }
    }
}

extension PostgresShardReader {
    func setReadBudget(_ budget: Duration) { readBudget = budget }
}
