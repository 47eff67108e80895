import Wire

extension ImportCounts {
    /// What importing `records` counts, whichever store writes them: every record given,
    /// a contact with its conversations and messages.
    init(counting records: some Sequence<ImportRecord>) {
        self.init()
        for record in records {
            switch record.kind {
            case .contact:
                contacts += 1
                conversations += UInt64(record.conversations.count)
                messages += UInt64(record.conversations.reduce(0) { $0 + $1.messages.count })
            case .application:
                applications += 1
            }
        }
    }
}

extension SlotRange {
    /// Refuses `records` unless this shard owns every one's slot (a routing bug or a stale map otherwise).
    func requireOwning(_ records: some Sequence<ImportRecord>) throws {
        for record in records {
            let slot = PartitionMap.slot(of: record.contactId)
            guard contains(slot) else { throw StoreError.misrouted(id: record.id, slot: slot, owned: "\(self)") }
        }
    }
}
