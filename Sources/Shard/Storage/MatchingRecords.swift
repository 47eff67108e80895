import Foundation
import Wire

/// A shard's page of the records a filter matches (`POST /api/contacts/query`): the columns
/// both engines read, the record each row makes, and the page they fill. Pure.
struct MatchingRecords {
    /// The columns of a page's query, in the order `record` reads them; `tags` renders the
    /// tags column as a JSON array's text in the engine's SQL.
    static func columns(_ pipeline: ContactFilter.Pipeline, tags: String) -> String {
        let owner = pipeline == .application ? "contact_id" : "id"
        return "id, \(owner), stage_id, assigned_to, name, email, phone, \(tags), source, created_at, updated_at"
    }

    /// The record of one row, read through the engine's accessors (nil text: NULL).
    static func record(_ pipeline: ContactFilter.Pipeline, text: (Int) -> String?, integer: (Int) -> Int64) -> ImportRecord {
        ImportRecord(
            kind: pipeline == .application ? .application : .contact, id: text(0) ?? "", contactId: text(1) ?? "", stageId: text(2),
            assignedTo: text(3), name: text(4) ?? "", email: text(5) ?? "", phone: text(6) ?? "", tags: tags(fromJSON: text(7) ?? "[]"),
            source: text(8), createdAt: integer(9), updatedAt: integer(10), conversations: [])
    }

    /// Tags stored or rendered as a JSON array's text.
    static func tags(fromJSON text: String) -> [String] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String] ?? []
    }

    /// Rows a page's query asks for: one more than the page holds, to learn whether more follow.
    static func rowsToRead(_ query: RecordQuery) -> Int64 { Int64(query.limit) + 1 }

    private let limit: Int
    private var records: [ImportRecord] = []
    private var bytes = 0
    private var more = false

    init(_ query: RecordQuery) {
        limit = Int(query.limit)
    }

    /// Takes the next row's record; false (and `more`) once the page is full by count or by bytes.
    mutating func add(_ record: ImportRecord) -> Bool {
        guard records.count < limit, records.isEmpty || bytes + record.encodedSize <= RecordPage.byteBudget else {
            more = true
            return false
        }
        records.append(record)
        bytes += record.encodedSize
        return true
    }

    var page: RecordPage { RecordPage(records: records, more: more) }
}
