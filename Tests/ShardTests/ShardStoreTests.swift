import Foundation
import Testing
import Wire
@testable import Shard

/// The store against a real SQLite file in a temporary directory.
@Suite struct ShardStoreTests {
    let directory: String
    let everySlot = SlotRange(lower: 0, upper: PartitionMap.slotCount)

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    private func contact(_ id: String, stage: String = "s1", conversations: Int = 2, messages: Int = 3) -> ImportRecord {
        ImportRecord(
            kind: .contact, id: id, contactId: id, stageId: stage, assignedTo: "u1", name: "N \(id)", email: "\(id)@x.io", phone: "1",
            tags: ["t"], source: "web", createdAt: 10, updatedAt: 20,
            conversations: (0..<conversations).map { c in
                ConversationRecord(id: "c\(c)" + id.suffix(22), channel: "sms", createdAt: 1, messages: (0..<messages).map { m in
                    MessageRecord(id: "m\(c)\(m)" + id.suffix(21), direction: "in", body: "b", createdAt: 2)
                })
            })
    }

    private func id(_ number: Int) -> String { String(format: "%024x", number) }

    @Test func importsRecordsWithTheirCascadeAndCountsThem() async throws {
        let store = try ShardStore(path: "\(directory)/a.db", index: 0, slots: everySlot)
        let counts = try await store.importRecords(org: "o1", (0..<10).map { contact(id($0)) })
        #expect(counts == ImportCounts(contacts: 10, conversations: 20, messages: 60))
        let stats = try await store.stats(org: "o1")
        #expect([stats.contacts, stats.conversations, stats.messages] == [10, 20, 60])
        #expect(try await store.stats(org: "o2").contacts == 0)
    }

    @Test func reimportingAContactReplacesItAndItsConversations() async throws {
        let store = try ShardStore(path: "\(directory)/b.db", index: 0, slots: everySlot)
        _ = try await store.importRecords(org: "o1", [contact(id(1), stage: "s1", conversations: 3)])
        _ = try await store.importRecords(org: "o1", [contact(id(1), stage: "s2", conversations: 1, messages: 1)])
        let stats = try await store.stats(org: "o1")
        #expect([stats.contacts, stats.conversations, stats.messages] == [1, 1, 1])
        let detail = try #require(try await store.contact(org: "o1", id: id(1)))
        #expect(detail.contact.stageId == "s2")
        #expect([detail.conversationCount, detail.messageCount] == [1, 1])
    }

    @Test func readsOneContactOnlyInItsOwnOrg() async throws {
        let store = try ShardStore(path: "\(directory)/c.db", index: 0, slots: everySlot)
        _ = try await store.importRecords(org: "o1", [contact(id(7))])
        let detail = try #require(try await store.contact(org: "o1", id: id(7)))
        #expect(detail.contact.name == "N \(id(7))")
        #expect(detail.contact.tags == ["t"])
        #expect(try await store.contact(org: "o2", id: id(7)) == nil)
    }

    @Test func countsWhatAFilterMatches() async throws {
        let store = try ShardStore(path: "\(directory)/d.db", index: 0, slots: everySlot)
        _ = try await store.importRecords(org: "o1", (0..<6).map { contact(id($0), stage: $0 % 2 == 0 ? "even" : "odd") })
        var filter = ContactFilter()
        filter.stageIds = ["even"]
        #expect(try await store.count(org: "o1", filter: filter) == 3)
        filter.orgWide = true
        #expect(try await store.count(org: "o1", filter: filter) == 6)
        #expect(try await store.count(org: "o2", filter: filter) == 0)
    }

    @Test func refusesARecordOfAnotherShardsSlotsAndWritesNothingOfItsBatch() async throws {
        let mine = SlotRange(lower: 0, upper: 2048)
        let store = try ShardStore(path: "\(directory)/e.db", index: 0, slots: mine)
        let ids = (0..<200).map(id)
        let foreign = try #require(ids.first { !mine.contains(PartitionMap.slot(of: $0)) })
        let local = try #require(ids.first { mine.contains(PartitionMap.slot(of: $0)) })
        await #expect(throws: StoreError.self) { try await store.importRecords(org: "o1", [contact(local), contact(foreign)]) }
        #expect(try await store.stats(org: "o1").contacts == 0)
    }

    @Test func refusesToOpenADatabaseMadeForAnotherShard() async throws {
        let path = "\(directory)/f.db"
        _ = try ShardStore(path: path, index: 0, slots: SlotRange(lower: 0, upper: 2048))
        #expect(throws: StoreError.foreignDatabase(path: path, found: "shard 0 (slots 0-2048)", expected: "shard 1 (slots 2048-4096)")) {
            _ = try ShardStore(path: path, index: 1, slots: SlotRange(lower: 2048, upper: 4096))
        }
    }

    @Test func aSecondProcessCannotOwnTheSameDatabase() async throws {
        let path = "\(directory)/h.db"
        let owner = try ShardStore(path: path, index: 0, slots: everySlot)
        #expect(throws: SQLiteError.self) { _ = try ShardStore(path: path, index: 0, slots: everySlot) }
        _ = try await owner.importRecords(org: "o1", [contact(id(1))])
    }

    @Test func committedBatchesAreThereAfterReopening() async throws {
        let path = "\(directory)/g.db"
        do {
            let store = try ShardStore(path: path, index: 0, slots: everySlot)
            _ = try await store.importRecords(org: "o1", [contact(id(1)), contact(id(2))])
        }
        let reopened = try ShardStore(path: path, index: 0, slots: everySlot)
        #expect(try await reopened.stats(org: "o1").contacts == 2)
    }
}
