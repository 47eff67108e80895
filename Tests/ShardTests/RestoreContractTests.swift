import Foundation
import PostgresDriver
@testable import Shard
import TestSupport
import Testing
import Wire
import WireRuntime

extension SQLiteShardStore {
    /// One number read on the store's own connection: what the kept tables hold.
    func scalar(_ sql: String) throws -> Int64 { try database.scalar(sql) }
}

/// Restorable deletes, restores, permanent deletes and the purge, alike on every engine: what a
/// delete keeps no read sees, a restore puts back exactly, a permanent delete keeps nothing, and
/// the purge removes what was kept in steps that survive a restart.
@Suite struct RestoreContractTests {
    private typealias Fixture = PartitionContractTests
    private let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("restore")
    }

    // MARK: - Fixtures

    /// Contacts 0..<12 of "o1" (each assigned to "u1", with 2 conversations of 3 messages), 18
    /// applications among them, and one contact of "o2" that nothing here may touch.
    private static func seeded(_ engine: Engine, in scratch: ScratchDirectory) async throws -> OpenPartition {
        let partition = try OpenPartition.new(engine, in: scratch)
        let (contacts, applications) = Fixture.contactsWithApplications()
        try await partition.importAll(org: "o1", contacts + applications)
        try await partition.importAll(org: "o2", [Fixture.contact(1), Fixture.application(100, of: 1)])
        return partition
    }

    private static var everyContact: ContactFilter {
        var filter = ContactFilter()
        filter.orgWide = true
        return filter
    }

    private static var everyApplication: ContactFilter {
        var filter = everyContact
        filter.pipeline = .application
        return filter
    }

    private static func stage(_ stage: String) -> ContactFilter {
        var filter = ContactFilter()
        filter.stageIds = [stage]
        return filter
    }

    /// A delete of "o1" registered now: everything imported so far is in its snapshot.
    static func delete(_ jobId: String, _ filter: ContactFilter, permanent: Bool = false) -> SliceAssignment {
        SliceAssignment(
            jobId: jobId, spec: JobSpec(kind: .delete, org: "o1", requester: "boss", filter: filter, permanent: permanent),
            watermark: TestVersions.next())
    }

    /// The restore of `delete`, registered now, as the registry makes it: the delete's filter, its id in `restores`.
    static func restore(_ jobId: String, of delete: SliceAssignment) -> SliceAssignment {
        SliceAssignment(
            jobId: jobId, spec: JobSpec(kind: .restore, org: "o1", requester: "fixer", filter: delete.filter, restores: delete.jobId),
            watermark: TestVersions.next())
    }

    /// Runs `assignment`'s slice to its end in batches of `limit`; its last progress and every
    /// record its batches passed by.
    private static func run(_ assignment: SliceAssignment, on partition: OpenPartition, limit: Int = 5) async throws -> (SliceProgress, [SliceError]) {
        var progress = try await partition.store.startSlice(assignment)
        var passedBy: [SliceError] = []
        while !progress.outcome.isFinal {
            progress = try await partition.store.runNextBatch(assignment.jobId, limit: limit)
            passedBy += progress.errors
        }
        return (progress, passedBy)
    }

    /// Everything a user can read of "o1": each contact's detail, every application, and the record counts.
    private struct OrgState: Equatable {
        var details: [ContactDetail?]
        var applications: [ImportRecord]
        /// Contacts, applications, conversations, messages.
        var counts: [UInt64]
    }

    private static func state(of partition: OpenPartition) async throws -> OrgState {
        var details: [ContactDetail?] = []
        for number in 0..<12 { details.append(try await partition.reads.contact(org: "o1", id: Fixture.id(number))) }
        let applications = try await partition.reads.records(RecordQuery(org: "o1", filter: everyApplication, after: nil, limit: 100))
        let stats = try await partition.reads.stats(org: "o1")
        return OrgState(
            details: details, applications: applications.records,
            counts: [stats.contacts, stats.applications, stats.conversations, stats.messages])
    }

    /// The rows `jobId` keeps: contacts, applications, conversations, messages. A kept contact's
    /// conversations and messages stay in their own tables, under the contact's seq.
    private static func kept(by jobId: String, in partition: OpenPartition) async throws -> [Int64] {
        var counts: [Int64] = []
        for table in ["contacts", "applications", "conversations", "messages"] {
            let sql = ["conversations", "messages"].contains(table)
                ? "SELECT count(*) FROM \(table) t JOIN kept_contacts k ON t.org = k.org AND t.contact_seq = k.seq WHERE k.job_id = '\(jobId)'"
                : "SELECT count(*) FROM kept_\(table) WHERE job_id = '\(jobId)'"
            counts.append(try await scalar(sql, in: partition))
        }
        return counts
    }

    /// Purges requested and not finished yet.
    private static func purgesLeft(in partition: OpenPartition) async throws -> Int64 {
        try await scalar("SELECT count(*) FROM kept_purges", in: partition)
    }

    private static func scalar(_ sql: String, in partition: OpenPartition) async throws -> Int64 {
        switch partition.engine {
        case .sqlite: try await #require(partition.store as? SQLiteShardStore).scalar(sql)
        case .postgres: try PostgresConnection(partition.location).scalar(sql)
        }
    }

    /// Records the store has taken out of storage since it last gave space back: its housekeeping's cue.
    private static func owed(by partition: OpenPartition) async throws -> Int {
        switch partition.engine {
        case .sqlite: await (try #require(partition.store as? SQLiteShardStore)).reclaim.deletedSinceReclaim
        case .postgres: await (try #require(partition.store as? PostgresShardStore)).deletedSinceVacuum
        }
    }

    /// The audit entries of "o1" of `type` written by `jobId`.
    private static func audits(_ type: String, of jobId: String, in partition: OpenPartition) async throws -> [LogEntry] {
        let query = LogQuery(kind: .auditEntries, org: "o1", type: type, jobId: jobId, userId: nil, after: [], limit: 100)
        return try await partition.reads.logPage(query, after: 0, limit: 100).entries
    }

    /// The notifications of "u1" in "o1" of `type`.
    private static func notifications(_ type: String, in partition: OpenPartition) async throws -> [LogEntry] {
        let query = LogQuery(kind: .notifications, org: "o1", type: nil, jobId: nil, userId: "u1", after: [], limit: 100)
        return try await partition.reads.logPage(query, after: 0, limit: 100).entries.filter { $0.type == type }
    }

    /// The payloads of the outbox's events of `type`, decoded.
    private static func events(_ type: String, in partition: OpenPartition) async throws -> [[String: String]] {
        try await partition.store.outbox(limit: 1_000).filter { $0.type == type }.map { event in
            try #require(try JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as? [String: String])
        }
    }

    /// Makes the database refuse to insert contact `number` (a trigger raising, as a constraint
    /// would), or, `holding` false, lets it in again.
    private static func hold(insertOf number: Int, on partition: OpenPartition, holding: Bool = true) async throws {
        switch partition.engine {
        case .sqlite:
            let store = try #require(partition.store as? SQLiteShardStore)
            try await store.execute(holding
                ? "CREATE TEMP TRIGGER hold BEFORE INSERT ON contacts WHEN new.id = '\(Fixture.id(number))' BEGIN SELECT RAISE(ABORT, 'on hold'); END"
                : "DROP TRIGGER hold")
        case .postgres:
            try PostgresConnection(partition.location).execute(holding
                ? """
                CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'on hold' USING ERRCODE = 'check_violation'; END $$;
                CREATE TRIGGER hold BEFORE INSERT ON contacts FOR EACH ROW WHEN (NEW.id = '\(Fixture.id(number))') EXECUTE FUNCTION hold();
                """
                : "DROP TRIGGER hold ON contacts")
        }
    }

    // MARK: - Restorable deletes

    /// A restorable delete is a delete for every read, count and stat, and keeps a copy of every
    /// row it deleted, its cascade included; another org is untouched.
    @Test(arguments: Engine.allCases)
    func aRestorableDeleteKeepsACopyThatNoReadSees(engine: Engine) async throws {
        let partition = try await Self.seeded(engine, in: scratch)
        let (done, _) = try await Self.run(Self.delete("job-d", Self.everyContact), on: partition)
        #expect([done.counters.deleted, done.counters.applications, done.counters.conversations, done.counters.messages] == [12, 18, 24, 72])

        let left = try await Self.state(of: partition)
        #expect(left == OrgState(details: Array(repeating: nil, count: 12), applications: [], counts: [0, 0, 0, 0]))
        #expect(try await partition.reads.count(org: "o1", filter: Self.everyContact) == 0)
        #expect(try await partition.reads.count(org: "o1", filter: Self.everyApplication) == 0)
        #expect(try await partition.reads.groups(org: "o1", by: .stage) == ContactGroups(groups: [], truncated: false))
        #expect(try await Self.kept(by: "job-d", in: partition) == [12, 18, 24, 72])
        let other = try await partition.reads.stats(org: "o2")
        #expect([other.contacts, other.applications, other.conversations, other.messages] == [1, 1, 2, 6])
    }

    /// A restore puts every record back as it was, cascade and applications included, with one
    /// audit entry per record, one notification and one event per contact; nothing stays kept.
    @Test(arguments: Engine.allCases)
    func aRestorePutsEveryRecordBackExactly(engine: Engine) async throws {
        let partition = try await Self.seeded(engine, in: scratch)
        let before = try await Self.state(of: partition)
        let delete = Self.delete("job-d", Self.stage("s1"))
        _ = try await Self.run(delete, on: partition)
        #expect(try await Self.state(of: partition).counts == [4, 6, 8, 24], "contacts 0, 3, 6, 9 and their 6 applications stay")

        let (done, passedBy) = try await Self.run(Self.restore("job-r", of: delete), on: partition)
        #expect(done.outcome.isFinal && passedBy.isEmpty)
        let counters = done.counters
        #expect([counters.total, counters.deleted, counters.skipped, counters.failed] == [8, 8, 0, 0])
        #expect([counters.applications, counters.conversations, counters.messages] == [12, 16, 48])
        #expect([counters.auditEntries, counters.notifications, counters.events] == [8 + 12, 8, 8])
        #expect(try await Self.state(of: partition) == before)
        #expect(try await Self.kept(by: "job-d", in: partition) == [0, 0, 0, 0])

        let restoredIds = Set([1, 2, 4, 5, 7, 8, 10, 11].map(Fixture.id))
        let contactAudits = try await Self.audits("CONTACT_RESTORE", of: "job-r", in: partition)
        #expect(contactAudits.count == 8 && Set(contactAudits.map(\.recordId)) == restoredIds)
        #expect(contactAudits.allSatisfy { $0.actor == "fixer" && $0.jobId == "job-r" })
        let first = try #require(contactAudits.first)
        let contact = try #require(Fixture.contactsWithApplications().contacts.first { $0.id == first.recordId })
        let snapshot = try #require(try JSONSerialization.jsonObject(with: Data(first.snapshot.utf8)) as? [String: String])
        #expect(snapshot == ["name": contact.name, "email": contact.email, "phone": contact.phone])
        #expect(try await Self.audits("APPLICATION_RESTORE", of: "job-r", in: partition).count == 12)

        let notices = try await Self.notifications("contact_restored", in: partition)
        #expect(notices.count == 8 && Set(notices.map(\.recordId)) == restoredIds && notices.allSatisfy { $0.jobId == "job-r" })
        let events = try await Self.events("contact_restored", in: partition)
        #expect(Set(events) == Set(restoredIds.map { ["contactId": $0, "jobId": "job-r"] }) && events.count == 8)
    }

    /// A restored record counts as written at the restore: a delete registered before the restore
    /// leaves it alone, one registered after takes it.
    @Test(arguments: Engine.allCases)
    func aRestoredRecordCountsAsWrittenAtTheRestore(engine: Engine) async throws {
        let partition = try await Self.seeded(engine, in: scratch)
        let delete = Self.delete("job-d", Self.everyContact)
        _ = try await Self.run(delete, on: partition)
        let registeredBefore = Self.delete("job-before", Self.everyContact)
        _ = try await Self.run(Self.restore("job-r", of: delete), on: partition)

        let (untouched, _) = try await Self.run(registeredBefore, on: partition)
        #expect([untouched.counters.total, untouched.counters.deleted] == [0, 0])
        #expect(try await Self.state(of: partition).counts == [12, 18, 24, 72])
        let (taken, _) = try await Self.run(Self.delete("job-after", Self.everyContact), on: partition)
        #expect([taken.counters.total, taken.counters.deleted, taken.counters.applications] == [12, 12, 18])
    }

    /// A kept contact or application whose id is live again is passed by, listed as "id in use"
    /// and counted as skipped (a contact with its cascade); the live record stays as it is now.
    @Test(arguments: Engine.allCases)
    func anIdInUseIsPassedByAndTheLiveRecordLeftAsItIs(engine: Engine) async throws {
        let partition = try await Self.seeded(engine, in: scratch)
        let delete = Self.delete("job-d", Self.everyContact)
        _ = try await Self.run(delete, on: partition)
        // Contact 3 again, changed, and contact 5's application 500 again, now contact 3's.
        let reimported = Fixture.application(500, of: 3)
        try await partition.importAll(org: "o1", [Fixture.contact(3, name: "since", conversations: 1), reimported])
        let live = try await partition.reads.contact(org: "o1", id: Fixture.id(3))
        let owed = try await Self.owed(by: partition)

        let (done, passedBy) = try await Self.run(Self.restore("job-r", of: delete), on: partition)
        #expect(try await Self.owed(by: partition) == owed + 1, "housekeeping is cued with contact 3 alone, the others moved back")
        #expect(passedBy.sorted { $0.recordId < $1.recordId } == [
            SliceError(recordId: Fixture.id(3), message: "id in use"), SliceError(recordId: reimported.id, message: "id in use"),
        ])
        #expect([done.counters.total, done.counters.deleted, done.counters.skipped] == [12, 11, 1])
        #expect(done.counters.applications == 18 - 3 - 1, "contact 3's three stay kept with it, application 500 is in use")
        #expect(try await partition.reads.contact(org: "o1", id: Fixture.id(3)) == live)
        let applications = try await partition.reads.records(RecordQuery(org: "o1", filter: Self.everyApplication, after: nil, limit: 100))
        #expect(applications.records.filter { $0.id == reimported.id } == [reimported])
        #expect(try await Self.state(of: partition).counts == [12, 15, 22 + 1, 66 + 3])
        #expect(try await Self.audits("CONTACT_RESTORE", of: "job-r", in: partition).count == 11)
        #expect(try await Self.events("contact_restored", in: partition).count == 11)
        #expect(try await Self.kept(by: "job-d", in: partition) == [0, 0, 0, 0], "what was passed by is no longer kept")
    }

    /// A restore batch that fails half-way leaves nothing behind; run again, every record comes
    /// back with its audit entry, notification and event exactly once.
    @Test(arguments: Engine.allCases)
    func aFailedRestoreBatchLeavesNothingAndItsRetryWritesEachOnce(engine: Engine) async throws {
        let partition = try await Self.seeded(engine, in: scratch)
        let before = try await Self.state(of: partition)
        let delete = Self.delete("job-d", Self.everyContact)
        _ = try await Self.run(delete, on: partition)
        let restore = Self.restore("job-r", of: delete)
        _ = try await partition.store.startSlice(restore)
        try await Self.hold(insertOf: 2, on: partition)
        await #expect(throws: (any Error).self) { try await partition.store.runNextBatch("job-r", limit: 5) }
        #expect(try await Self.state(of: partition).counts == [0, 0, 0, 0])
        #expect(try await Self.kept(by: "job-d", in: partition) == [12, 18, 24, 72])
        #expect(try await Self.audits("CONTACT_RESTORE", of: "job-r", in: partition).isEmpty)

        try await Self.hold(insertOf: 2, on: partition, holding: false)
        let (done, _) = try await Self.run(restore, on: partition)
        #expect([done.counters.deleted, done.counters.applications, done.counters.auditEntries] == [12, 18, 30])
        #expect(try await Self.state(of: partition) == before)
        let audits = try await Self.audits("CONTACT_RESTORE", of: "job-r", in: partition)
        #expect(audits.count == 12 && Set(audits.map(\.recordId)).count == 12)
        #expect(try await Self.audits("APPLICATION_RESTORE", of: "job-r", in: partition).count == 18)
        #expect(Set(try await Self.notifications("contact_restored", in: partition).map(\.recordId)).count == 12)
        #expect(try await Self.notifications("contact_restored", in: partition).count == 12)
        let events = try await Self.events("contact_restored", in: partition)
        #expect(events.count == 12 && Set(events).count == 12)
    }

    /// A contact imported after a restorable delete took the newest contacts takes a seq of its
    /// own, also after a reopen: it never adopts the conversations and messages a kept contact
    /// left under its seq, and the restore puts every kept contact back with its own.
    @Test(arguments: Engine.allCases)
    func aContactImportedAfterARestorableDeleteNeverAdoptsAKeptCascade(engine: Engine) async throws {
        var partition: OpenPartition? = try OpenPartition.new(engine, in: scratch)
        let location = try #require(partition?.location)
        try await partition?.importAll(org: "o1", (0..<6).map { Fixture.contact($0) })
        let before = try await Self.state(of: try #require(partition))
        let delete = Self.delete("job-d", Self.everyContact)
        _ = try await Self.run(delete, on: try #require(partition))
        try await partition?.store.close()
        partition = nil

        let reopened = try OpenPartition.open(engine, at: location)
        let imported = Fixture.contact(20, conversations: 1)
        try await reopened.importAll(org: "o1", [imported])
        #expect(try await reopened.reads.contact(org: "o1", id: imported.id).map { [$0.conversationCount, $0.messageCount] } == [1, 3])
        #expect(try await Self.state(of: reopened).counts == [1, 0, 1, 3])
        let (done, passedBy) = try await Self.run(Self.restore("job-r", of: delete), on: reopened)
        #expect(passedBy.isEmpty && [done.counters.deleted, done.counters.conversations, done.counters.messages] == [6, 12, 36])
        let after = try await Self.state(of: reopened)
        #expect(after.details == before.details)
        #expect(after.counts == [7, 0, 13, 39])
    }

    /// A restore resumed after the store is closed and opened again mid-way is exact.
    @Test(arguments: Engine.allCases)
    func aRestoreResumedAfterAReopenIsExact(engine: Engine) async throws {
        var partition: OpenPartition? = try await Self.seeded(engine, in: scratch)
        let location = try #require(partition?.location)
        let before = try await Self.state(of: try #require(partition))
        let delete = Self.delete("job-d", Self.everyContact)
        _ = try await Self.run(delete, on: try #require(partition))
        let restore = Self.restore("job-r", of: delete)
        _ = try await partition?.store.startSlice(restore)
        #expect(try await partition?.store.runNextBatch("job-r", limit: 5).counters.deleted == 5)
        try await partition?.store.close()
        partition = nil

        let reopened = try OpenPartition.open(engine, at: location)
        #expect(try await reopened.store.startSlice(restore).counters.deleted == 5, "a repeated assignment resumes")
        let (done, _) = try await Self.run(restore, on: reopened)
        #expect([done.counters.total, done.counters.deleted, done.counters.applications, done.counters.events] == [12, 12, 18, 12])
        #expect(try await Self.state(of: reopened) == before)
        #expect(try await Self.audits("CONTACT_RESTORE", of: "job-r", in: reopened).count == 12)
        #expect(try await Self.events("contact_restored", in: reopened).count == 12)
        #expect(try await Self.kept(by: "job-d", in: reopened) == [0, 0, 0, 0])
    }

    /// A slice's row keeps whether a delete is permanent and which delete a restore restores.
    @Test(arguments: Engine.allCases)
    func aSliceRowKeepsPermanentAndRestores(engine: Engine) async throws {
        var partition: OpenPartition? = try await Self.seeded(engine, in: scratch)
        let location = try #require(partition?.location)
        let delete = Self.delete("job-d", Self.stage("s2"), permanent: true)
        _ = try await partition?.store.startSlice(delete)
        _ = try await partition?.store.startSlice(Self.restore("job-r", of: Self.delete("job-k", Self.everyContact)))
        try await partition?.store.close()
        partition = nil

        let reopened = try OpenPartition.open(engine, at: location)
        let ledger = try #require(reopened.store as? any SliceLedger)
        let permanent = try #require(try await ledger.loadSliceRow("job-d")).slice().assignment
        #expect(permanent.permanent && permanent.restores == nil && permanent.kind == .delete)
        let restore = try #require(try await ledger.loadSliceRow("job-r")).slice().assignment
        #expect(!restore.permanent && restore.restores == "job-k" && restore.kind == .restore)
        #expect(restore.filter == Self.everyContact)
    }

    // MARK: - Permanent deletes

    /// A permanent delete keeps nothing, and its audit entries hold no personal data (`{}`);
    /// a restore of it finds nothing to put back.
    @Test(arguments: Engine.allCases)
    func aPermanentDeleteKeepsNothingAndItsAuditEntriesNoPersonalData(engine: Engine) async throws {
        let partition = try await Self.seeded(engine, in: scratch)
        let delete = Self.delete("job-p", Self.everyContact, permanent: true)
        let (done, _) = try await Self.run(delete, on: partition)
        #expect([done.counters.deleted, done.counters.applications, done.counters.auditEntries, done.counters.events] == [12, 18, 30, 12])
        #expect(try await Self.kept(by: "job-p", in: partition) == [0, 0, 0, 0])
        let audits = try await Self.audits("CONTACT_DELETE", of: "job-p", in: partition)
            + Self.audits("APPLICATION_DELETE", of: "job-p", in: partition)
        #expect(audits.count == 30)
        #expect(audits.allSatisfy { $0.snapshot == "{}" && $0.actor == "boss" && $0.jobId == "job-p" })

        let (restored, _) = try await Self.run(Self.restore("job-r", of: delete), on: partition)
        #expect([restored.counters.total, restored.counters.deleted] == [0, 0])
        #expect(try await Self.state(of: partition).counts == [0, 0, 0, 0])
    }

    // MARK: - Application pipeline

    /// A delete of applications keeps them, and its restore puts each back with one
    /// `APPLICATION_RESTORE` entry and nothing else (its delete sent no notification or event).
    @Test(arguments: Engine.allCases)
    func anApplicationDeleteIsRestoredExactly(engine: Engine) async throws {
        let partition = try await Self.seeded(engine, in: scratch)
        let before = try await Self.state(of: partition)
        let delete = Self.delete("job-d", Self.everyApplication)
        let (deleted, _) = try await Self.run(delete, on: partition)
        #expect(deleted.counters.deleted == 18)
        #expect(try await Self.state(of: partition).counts == [12, 0, 24, 72])
        #expect(try await Self.kept(by: "job-d", in: partition) == [0, 18, 0, 0])

        let (done, passedBy) = try await Self.run(Self.restore("job-r", of: delete), on: partition)
        #expect(passedBy.isEmpty)
        let counters = done.counters
        #expect([counters.total, counters.deleted, counters.auditEntries, counters.notifications, counters.events, counters.applications] == [18, 18, 18, 0, 0, 0])
        #expect(try await Self.state(of: partition) == before)
        #expect(try await Self.audits("APPLICATION_RESTORE", of: "job-r", in: partition).count == 18)
        #expect(try await Self.events("contact_restored", in: partition).isEmpty)
        #expect(try await Self.kept(by: "job-d", in: partition) == [0, 0, 0, 0])
    }

    /// A kept application whose contact a later delete took is passed by, listed as "contact not
    /// found" and counted as skipped: put back, it would name a contact that is gone. The others
    /// go back, and nothing stays kept.
    @Test(arguments: Engine.allCases)
    func anApplicationWhoseContactIsGoneIsPassedBy(engine: Engine) async throws {
        let partition = try await Self.seeded(engine, in: scratch)
        let (contacts, applications) = Fixture.contactsWithApplications()
        let delete = Self.delete("job-d", Self.everyApplication)
        _ = try await Self.run(delete, on: partition)
        _ = try await Self.run(Self.delete("job-p", Self.stage("s1"), permanent: true), on: partition)

        let (done, passedBy) = try await Self.run(Self.restore("job-r", of: delete), on: partition)
        let gone = Set(contacts.filter { $0.stageId == "s1" }.map(\.id))
        let orphans = applications.filter { gone.contains($0.contactId) }
        #expect(orphans.count == 12)
        #expect(passedBy.sorted { $0.recordId < $1.recordId } == orphans.map { SliceError(recordId: $0.id, message: "contact not found") })
        #expect([done.counters.total, done.counters.deleted, done.counters.skipped] == [18, 6, 12])
        let live = try await partition.reads.records(RecordQuery(org: "o1", filter: Self.everyApplication, after: nil, limit: 100))
        #expect(live.records.map(\.id).sorted() == applications.filter { !gone.contains($0.contactId) }.map(\.id).sorted())
        #expect(try await Self.state(of: partition).counts == [4, 6, 8, 24])
        #expect(try await Self.audits("APPLICATION_RESTORE", of: "job-r", in: partition).count == 6)
        #expect(try await Self.kept(by: "job-d", in: partition) == [0, 0, 0, 0], "what was passed by is no longer kept")
    }

    // MARK: - Purge

    /// The purge removes every row a delete kept, in steps, carrying on after a reopen; another
    /// delete's kept rows and the live data stay. Asked again, it finds nothing and ends.
    @Test(arguments: Engine.allCases)
    func thePurgeRemovesEveryKeptRowInStepsAndSurvivesAReopen(engine: Engine) async throws {
        var partition: OpenPartition? = try await Self.seeded(engine, in: scratch)
        let location = try #require(partition?.location)
        let purged = Self.delete("job-1", Self.stage("s1"))
        _ = try await Self.run(purged, on: try #require(partition))
        let other = Self.delete("job-2", Self.stage("s2"))
        _ = try await Self.run(other, on: try #require(partition))
        #expect(try await Self.kept(by: "job-1", in: try #require(partition)) == [8, 12, 16, 48])

        try await partition?.store.requestPurge("job-1")
        try await partition?.store.requestPurge("job-1")
        let first = try #require(try await partition?.store.purgeNextBatch(limit: 3, rows: 1_000))
        #expect(first > 0 && first < 8 + 12, "a step is a short batch, not the whole purge")
        try await partition?.store.close()
        partition = nil

        let reopened = try OpenPartition.open(engine, at: location)
        var total = first
        var step = 0
        repeat {
            step = try await reopened.store.purgeNextBatch(limit: 3, rows: 1_000)
            total += step
        } while step > 0
        #expect(total == 8 + 12, "every kept contact and application, each counted once")
        #expect(try await Self.kept(by: "job-1", in: reopened) == [0, 0, 0, 0])
        #expect(try await Self.purgesLeft(in: reopened) == 0)
        #expect(try await Self.kept(by: "job-2", in: reopened) == [4, 6, 8, 24])

        try await reopened.store.requestPurge("job-1")
        #expect(try await reopened.store.purgeNextBatch(limit: 3, rows: 1_000) == 0)
        #expect(try await Self.purgesLeft(in: reopened) == 0)
        let (nothing, _) = try await Self.run(Self.restore("job-r1", of: purged), on: reopened)
        #expect(nothing.counters.total == 0)
        let (restored, _) = try await Self.run(Self.restore("job-r2", of: other), on: reopened)
        #expect([restored.counters.deleted, restored.counters.applications] == [4, 6])
        #expect(try await Self.state(of: reopened).counts == [4, 6, 8, 24])
    }

    /// A purge step takes no further contact once the rows of those it took (each contact with its
    /// conversations, messages and applications) reach its rows, so contacts with long histories
    /// make short steps; a contact larger than the rows alone still goes, in a step of its own.
    @Test(arguments: Engine.allCases)
    func aPurgeStepIsBoundedByRows(engine: Engine) async throws {
        let partition = try await Self.seeded(engine, in: scratch)
        _ = try await Self.run(Self.delete("job-d", Self.everyContact), on: partition)
        try await partition.store.requestPurge("job-d")
        // Contact n has 9 rows and n % 4 applications (9, 10, 11, 12, 9, 10, ... rows): the steps take
        // contacts 0-1, 2, 3, 4-5, 6, 7, 8-9, 10, 11, each step's contacts with their applications.
        var steps: [Int] = []
        while case let step = try await partition.store.purgeNextBatch(limit: 12, rows: 10), step > 0 { steps.append(step) }
        #expect(steps == [2 + 1, 1 + 2, 1 + 3, 2 + 1, 1 + 2, 1 + 3, 2 + 1, 1 + 2, 1 + 3])
        #expect(try await Self.kept(by: "job-d", in: partition) == [0, 0, 0, 0])
        #expect(try await Self.purgesLeft(in: partition) == 0)
    }

    /// An application delete's kept applications are purged too.
    @Test(arguments: Engine.allCases)
    func thePurgeRemovesAnApplicationDeletesKeptApplications(engine: Engine) async throws {
        let partition = try await Self.seeded(engine, in: scratch)
        _ = try await Self.run(Self.delete("job-a", Self.everyApplication), on: partition)
        try await partition.store.requestPurge("job-a")
        var total = 0
        var step = 0
        repeat {
            step = try await partition.store.purgeNextBatch(limit: 5, rows: 1_000)
            total += step
        } while step > 0
        #expect(total == 18)
        #expect(try await Self.kept(by: "job-a", in: partition) == [0, 0, 0, 0])
        #expect(try await Self.purgesLeft(in: partition) == 0)
        #expect(try await Self.state(of: partition).counts == [12, 0, 24, 72])
    }
}
