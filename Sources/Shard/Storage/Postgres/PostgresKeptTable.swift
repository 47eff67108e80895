/// A live table and its kept copy (`PostgresSchema`): what a restorable delete copies each deleted
/// contact or application into, a restore puts back from, and a purge removes. The kept table has
/// the live table's columns after the `job_id` of the delete that kept the row. (A kept contact's
/// conversations and messages stay in their own tables, under its seq.)
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

    static let all = [contacts, applications]

    /// The columns, each prefixed by `alias` (`k.seq, k.org, ...`).
    func columns(of alias: String) -> String {
        columns.map { "\(alias).\($0)" }.joined(separator: ", ")
    }

    /// `INSERT INTO kept_<name>` of every row of `source` (a FROM clause whose rows have every
    /// column), under `job`, with `extra` columns after them (name and value).
    func keep(from source: String, job: String, extra: [(column: String, value: String)] = []) -> String {
        "INSERT INTO \(kept) (job_id, \((columns + extra.map(\.column)).joined(separator: ", ")))"
            + " SELECT \(job), \((columns + extra.map(\.value)).joined(separator: ", ")) FROM \(source)"
    }

    /// `INSERT INTO <name>` of the kept rows that `source` (a FROM clause) reads as `alias`, each
    /// column as it was unless `replacing` names what to write instead; `seq` the kept one when
    /// `originalSeq` (over the identity: it handed that seq out once, and never does again), else
    /// the live table's own (a new one).
    func restore(from source: String, alias: String, replacing: [String: String] = [:], originalSeq: Bool = false) -> String {
        let written = originalSeq ? columns : columns.filter { $0 != "seq" }
        return "INSERT INTO \(name) (\(written.joined(separator: ", ")))\(originalSeq ? " OVERRIDING SYSTEM VALUE" : "") SELECT "
            + written.map { replacing[$0] ?? "\(alias).\($0)" }.joined(separator: ", ")
            + " FROM \(source)"
    }
}
