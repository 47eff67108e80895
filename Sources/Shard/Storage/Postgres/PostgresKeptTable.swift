/// A live table and its kept copy (`PostgresSchema`): what a restorable delete copies each deleted
/// row into, a restore puts back from, and a purge removes. The kept table has the live table's
/// columns after the `job_id` of the delete that kept the row.
struct PostgresKeptTable {
    /// The live table.
    let name: String
    /// Every column of the live table, in the order both tables list them.
    let columns: [String]

    var kept: String { "kept_\(name)" }

    private static let recordFields = [
        "org", "id", "slot", "stage_id", "assigned_to", "name", "email", "phone", "tags", "source", "created_at", "updated_at", "version",
    ]

    static let contacts = PostgresKeptTable(name: "contacts", columns: ["seq"] + recordFields)
    static let applications = PostgresKeptTable(name: "applications", columns: ["seq", "contact_id"] + recordFields)
    static let conversations = PostgresKeptTable(name: "conversations", columns: ["org", "contact_seq", "id", "channel", "created_at"])
    static let messages = PostgresKeptTable(
        name: "messages", columns: ["org", "contact_seq", "id", "conversation_id", "direction", "body", "created_at"])

    static let all = [contacts, applications, conversations, messages]

    /// The columns, each prefixed by `alias` (`k.seq, k.org, ...`).
    func columns(of alias: String) -> String {
        columns.map { "\(alias).\($0)" }.joined(separator: ", ")
    }

    /// `INSERT INTO kept_<name>` of every row of `source` (a CTE returning every column), under `job`.
    func keep(from source: String, job: String) -> String {
        "INSERT INTO \(kept) (job_id, \(columns.joined(separator: ", "))) SELECT \(job), \(columns.joined(separator: ", ")) FROM \(source)"
    }

    /// `INSERT INTO <name>` of the kept rows that `source` (a FROM clause) reads as `alias`, each
    /// column as it was unless `replacing` names what to write instead; `seq` is the live table's
    /// own (a new one).
    func restore(from source: String, alias: String, replacing: [String: String] = [:]) -> String {
        let written = columns.filter { $0 != "seq" }
        return "INSERT INTO \(name) (\(written.joined(separator: ", "))) SELECT "
            + written.map { replacing[$0] ?? "\(alias).\($0)" }.joined(separator: ", ")
            + " FROM \(source)"
    }
}
