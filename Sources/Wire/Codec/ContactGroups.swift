/// `GET /api/contacts/stats?by=…`: which column an org's contacts are counted by.
package enum ContactGrouping: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// By `stageId`.
    case stage = 1
    /// By `assignedTo` (nil: unowned).
    case owner = 2

    /// The value of `by` that asks for this grouping.
    package var description: String {
        switch self {
        case .stage: "stage"
        case .owner: "owner"
        }
    }
}

/// How many contacts of an org have one value of the grouped column (nil: the contacts without one).
package struct ContactGroup: WireCodable, Equatable {
    package var key: String?
    package var contacts: UInt64

    package init(key: String?, contacts: UInt64) {
        self.key = key
        self.contacts = contacts
    }

    /// The order an answer lists groups in: most contacts first, then by key (its UTF-8 bytes), the nil key last.
    package static func listOrder(_ lhs: ContactGroup, _ rhs: ContactGroup) -> Bool {
        if lhs.contacts != rhs.contacts { return lhs.contacts > rhs.contacts }
        switch (lhs.key, rhs.key) {
        case (let left?, let right?): return left.utf8.lexicographicallyPrecedes(right.utf8)
        case (.some, nil): return true
        case (nil, _): return false
        }
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(optional: key) { $0.write($1) }
        writer.write(contacts)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        key = try reader.readOptional("contactGroup.key") { reader throws(WireError) in try reader.readString("contactGroup.key") }
        contacts = try reader.readUInt64("contactGroup.contacts")
    }
}

/// An org's contacts counted by a column: a shard's answer, or the cluster's once merged.
package struct ContactGroups: WireCodable, Equatable {
    /// Each group with its count, in `ContactGroup.listOrder`.
    package var groups: [ContactGroup]
    /// True when groups exist that are not listed (past a bound, see `StatsGroups`).
    package var truncated: Bool

    package init(groups: [ContactGroup], truncated: Bool) {
        self.groups = groups
        self.truncated = truncated
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(array: groups)
        writer.write(truncated)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        groups = try reader.readArray("contactGroups.groups")
        truncated = try reader.readBool("contactGroups.truncated")
    }

    /// Groups being listed in order, up to a count and `StatsGroups.byteBudget` of keys (past the
    /// first group): keys are whatever an import carried, up to a line's 1 MiB, and an answer must fit a frame.
    package struct Collector {
        private let limit: Int
        private var bytes = 0
        package private(set) var answer = ContactGroups(groups: [], truncated: false)

        package init(limit: Int) {
            self.limit = limit
        }

        /// Takes `group`, or refuses it (false, and the answer is `truncated`) when the answer is full.
        package mutating func add(_ group: ContactGroup) -> Bool {
            let size = group.key?.utf8.count ?? 0
            guard answer.groups.count < limit, answer.groups.isEmpty || bytes + size <= StatsGroups.byteBudget else {
                answer.truncated = true
                return false
            }
            answer.groups.append(group)
            bytes += size
            return true
        }
    }
}

/// The bounds of `GET /api/contacts/stats?by=…`.
///
/// Each shard sends its largest groups, at most `perShard` (and `byteBudget`), and the coordinator
/// sums them by key. A shard that sent all its groups left none out; one that had more left out
/// its smallest, each of which may still hold some of its contacts. So the merged answer lists
/// only the groups that every shard which left some out did send (their sums are exact), and says
/// `truncated`: exact counts for the groups shown matter more than which groups make the cut.
package enum StatsGroups {
    /// Groups one answer lists at most: a table an operator reads, not an export.
    package static let limit = 1_000
    /// Groups one shard sends at most: ten times `limit`, so the global top `limit` is exact unless
    /// one shard alone holds more than this many distinct values (then `truncated`).
    package static let perShard = 10_000
    /// Key bytes one answer carries at most (past its first group), far inside a 16 MiB frame.
    package static let byteBudget = 4 << 20
}
