import CSQLite
import StorageDriver
import Testing
import Wire
import WireRuntime

@testable import Shard

// MARK: - A fixed data set

private let t0 = Int64(1_767_607_200_000)  // 2026-01-05T10:00:00Z
private let day = Int64(86_400_000)

/// One contact or application, as the reference matcher sees it.
private struct Row: Sendable {
    var pipeline: ContactFilter.Pipeline = .contact
    var org = "org-a"
    var id: String
    var stage: String?
    var assignee: String?
    var name = ""
    var email = ""
    var phone = ""
    var tags: [String] = []
    var source: String?
    var created = t0
    var updated = t0
}

private let rows: [Row] = [
    // org-a contacts.
    Row(
        id: "a01", stage: "s1", assignee: "user-1", name: "Ada Lovelace", email: "ada@example.com", phone: "+15550101", tags: ["vip"],
        source: "webchat"),
    Row(
        id: "a02", stage: "s1", name: "Grace Hopper", email: "grace@navy.mil", phone: "+15550102", tags: ["vip", "lead"], source: "sms",
        created: t0 - 1, updated: t0 + 10),
    Row(
        id: "a03", stage: "s1", assignee: "user-2", name: "Alan Turing", email: "alan@bletchley.uk", phone: "+15550103", tags: ["lead"],
        source: "webchat", created: t0 + 1),
    Row(
        id: "a04", stage: "s2", assignee: "user-1", name: "Émile Zola", email: "zola@example.fr", phone: "+33100000000",
        created: t0 - day),
    Row(
        id: "a05", stage: "s2", name: "100% Real", email: "real@example.com", phone: "+1 555 0105", tags: ["promo"], source: "import",
        created: t0 + 5, updated: t0 + 5),
    Row(
        id: "a06", stage: "s2", assignee: "user-3", name: "under_score", email: "u_s@example.com", phone: "555-0106",
        tags: ["vip", "promo", "lead"], source: "sms", created: t0 - 5, updated: t0 - 5),
    Row(
        id: "a07", stage: "s3", assignee: "user-2", name: #"Back\slash"#, email: "back@example.com", tags: ["vip", "vip"],
        source: "webchat", created: t0 + day, updated: t0 + day),
    Row(id: "a08", assignee: "user-1", name: "No Stage", email: "nostage@example.com", tags: ["lead"], source: "webchat"),
    Row(
        id: "a09", stage: "s3", name: "Percent Free", email: "pf@example.com", phone: "555-0109", tags: ["VIP"], source: "sms",
        created: t0 - 2, updated: t0 - 2),
    Row(
        id: "a10", stage: "s1", assignee: "user-1", name: "ada twin", email: "TWIN@EXAMPLE.COM", phone: "555-0110",
        tags: ["lead", "promo"], created: t0 + 2, updated: t0 - 1),
    Row(
        id: "a11", stage: "s4", assignee: "", name: "Empty Assignee", email: "empty@example.com", tags: ["a%b"], source: "",
        created: t0 + 3),
    Row(
        id: "a12", stage: "s2", assignee: "user-2", name: "émile lower", email: "emile@example.fr", tags: ["日本"], source: "webchat",
        created: t0 + 3, updated: t0 + 3),
    Row(id: "a13", stage: "s4", name: "Zed", email: "zed@example.com", phone: "555-0113", source: "webchat", created: t0 + 100),
    Row(
        id: "a14", stage: "s1", assignee: "user-2", name: "Kim", email: "kim@example.com", phone: "555-0114", tags: ["ab", "vip"],
        source: "sms", created: t0 - 100, updated: t0 + 100),
    Row(
        id: "a15", stage: "s5", assignee: "user-3", name: "Lee", email: "lee@example.com", tags: ["promo", "promo"],
        source: "webchat", created: t0 - 3 * day, updated: t0 - 3 * day),
    // org-b contacts: the same stages, assignees and tags, which org-a's filters must never reach.
    Row(
        org: "org-b", id: "b01", stage: "s1", assignee: "user-1", name: "Ada Clone", email: "ada@other.com", tags: ["vip"],
        source: "webchat"),
    Row(org: "org-b", id: "b02", stage: "s1", name: "Grace Clone", email: "grace@other.com", tags: ["vip", "lead"], source: "sms"),
    Row(org: "org-b", id: "b03", stage: "s2", assignee: "user-2", name: "100% Clone", email: "c@other.com", tags: ["promo"]),
    Row(org: "org-b", id: "b04", stage: "s3", assignee: "user-1", name: "under_clone", tags: ["lead"], created: t0 - 1),
    Row(org: "org-b", id: "b05", name: "No Stage Clone", tags: ["vip"], source: "webchat", created: t0 + 1),
    Row(org: "org-b", id: "b06", stage: "s1", assignee: "user-3", name: "Kim Clone", tags: ["ab"], source: "sms", updated: t0 - 1),
    Row(org: "org-b", id: "b07", stage: "s9", name: "Only Here", email: "only@other.com", source: "webchat"),
    // Applications.
    Row(
        pipeline: .application, id: "p01", stage: "s1", assignee: "user-1", name: "Ada Application", email: "ada@example.com",
        tags: ["vip"], source: "webchat"),
    Row(pipeline: .application, id: "p02", stage: "s1", name: "Grace Application", tags: ["lead"], source: "sms", created: t0 - 1),
    Row(pipeline: .application, id: "p03", stage: "s2", assignee: "user-2", name: "Alan Application", tags: ["vip", "lead"]),
    Row(pipeline: .application, id: "p04", assignee: "user-1", name: "Stageless Application", created: t0 + 1),
    Row(pipeline: .application, id: "p05", stage: "s3", assignee: "user-1", name: "Zed Application", created: t0 + day),
    Row(pipeline: .application, org: "org-b", id: "p06", stage: "s1", assignee: "user-1", name: "Ada Application", tags: ["vip"]),
]

// MARK: - The reference: plain Swift

/// Whether `row` belongs to the answer for `filter` in `org`, written from the contract, not from the SQL.
private func matches(_ row: Row, _ filter: ContactFilter, org: String) -> Bool {
    guard row.org == org, row.pipeline == filter.pipeline else { return false }
    if !filter.orgWide {
        guard let stage = row.stage, filter.stageIds.contains(stage) else { return false }
    }
    switch filter.owner {
    case nil: break
    case .owned: guard row.assignee != nil else { return false }
    case .unowned: guard row.assignee == nil else { return false }
    case .mine: guard row.assignee == filter.requester else { return false }
    }
    if let after = filter.createdAfter, row.created < after { return false }
    if let before = filter.createdBefore, row.created >= before { return false }
    if let after = filter.updatedAfter, row.updated < after { return false }
    if let before = filter.updatedBefore, row.updated >= before { return false }
    if !filter.tagsAny.isEmpty, !filter.tagsAny.contains(where: row.tags.contains) { return false }
    if !filter.tagsAll.allSatisfy(row.tags.contains) { return false }
    if let source = filter.source, row.source != source { return false }
    if let users = filter.assignedTo {
        guard let assignee = row.assignee, users.contains(assignee) else { return false }
    }
    if let search = filter.search, !search.isEmpty {
        // SQLite's LIKE folds ASCII letters only.
        let term = asciiFolded(search)
        guard [row.name, row.email, row.phone].contains(where: { asciiFolded($0).contains(term) }) else { return false }
    }
    return true
}

private func asciiFolded(_ text: String) -> [UInt8] {
    text.utf8.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 32 : $0 }
}

extension Array where Element == UInt8 {
    fileprivate func contains(_ needle: [UInt8]) -> Bool {
        needle.isEmpty
            || (0...Swift.max(0, count - needle.count)).contains { start in
                start + needle.count <= count && self[start..<start + needle.count].elementsEqual(needle)
            }
    }
}

private func referenceIds(_ filter: ContactFilter, org: String) -> [String] {
    rows.filter { matches($0, filter, org: org) }.map(\.id).sorted()
}

// MARK: - A tiny SQLite helper

private struct SQLiteFailure: Error, CustomStringConvertible {
    let description: String
}

/// An in-memory database holding `Schema` and `rows`; for one test, on one thread.
private final class TestDatabase {
    private let handle: OpaquePointer

    init() throws {
        var handle: OpaquePointer?
        guard sqlite3_open(":memory:", &handle) == SQLITE_OK, let handle else {
            throw SQLiteFailure(description: "sqlite3_open(:memory:) failed")
        }
        self.handle = handle
        for statement in Schema.statements { _ = try query(statement) }
        for row in rows { try insert(row) }
    }

    deinit { sqlite3_close(handle) }

    func insert(_ row: Row) throws {
        let columns = "org, id, slot, stage_id, assigned_to, name, email, phone, tags, source, created_at, updated_at, version"
        let sql =
            row.pipeline == .contact
            ? "INSERT INTO contacts (\(columns)) VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
            : "INSERT INTO applications (contact_id, \(columns)) VALUES ('c', ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
        let tags = "[" + row.tags.map(JSONText.quoted).joined(separator: ",") + "]"
        _ = try query(
            sql,
            [
                .text(row.org), .text(row.id), row.stage.map(SQLValue.text) ?? .null, row.assignee.map(SQLValue.text) ?? .null,
                .text(row.name), .text(row.email), .text(row.phone), .text(tags), row.source.map(SQLValue.text) ?? .null,
                .integer(row.created), .integer(row.updated),
            ])
    }

    /// Every row `sql` answers, each column as text (nil for NULL). `sql` must be exactly one statement.
    func query(_ sql: String, _ bindings: [SQLValue] = []) throws -> [[String?]] {
        var statement: OpaquePointer?
        // `tail` points into the C string, so it is read while that string lives.
        let (code, rest) = sql.withCString { text -> (Int32, String) in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v2(handle, text, -1, &statement, &tail)
            return (code, tail.map { String(cString: $0) } ?? "")
        }
        guard code == SQLITE_OK, let statement else {
            throw SQLiteFailure(description: "prepare \(sql): \(String(cString: sqlite3_errmsg(handle)))")
        }
        defer { sqlite3_finalize(statement) }
        // Whatever follows the first statement would be silently ignored: there must be nothing.
        if !rest.allSatisfy(\.isWhitespace) {
            throw SQLiteFailure(description: "more than one statement in \(sql)")
        }
        guard Int(sqlite3_bind_parameter_count(statement)) == bindings.count else {
            throw SQLiteFailure(description: "\(sqlite3_bind_parameter_count(statement)) parameters, \(bindings.count) bindings: \(sql)")
        }
        // SQLITE_TRANSIENT is a macro Swift does not import: SQLite copies the bytes.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (offset, value) in bindings.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32 =
                switch value {
                case .integer(let number): sqlite3_bind_int64(statement, index, number)
                case .text(let text): sqlite3_bind_text(statement, index, text, Int32(text.utf8.count), transient)
                case .null: sqlite3_bind_null(statement, index)
                }
            guard status == SQLITE_OK else { throw SQLiteFailure(description: "bind \(index) of \(sql): \(status)") }
        }
        var result: [[String?]] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return result }
            guard status == SQLITE_ROW else {
                throw SQLiteFailure(description: "step \(sql): \(String(cString: sqlite3_errmsg(handle)))")
            }
            result.append(
                (0..<sqlite3_column_count(statement)).map { column in
                    sqlite3_column_text(statement, column).map { String(cString: $0) }
                })
        }
    }

    /// The ids `FilterCompiler` selects for `filter` in `org`, in id order.
    func ids(_ filter: ContactFilter, org: String) throws -> [String] {
        let predicate = FilterCompiler.predicate(for: filter, org: org)
        let sql = "SELECT id FROM \(Schema.table(for: filter.pipeline)) WHERE \(predicate.sql) ORDER BY id"
        return try query(sql, predicate.bindings).map { $0[0] ?? "" }
    }

    /// The `detail` column of `EXPLAIN QUERY PLAN` for `filter`'s `SELECT id`.
    func plan(_ filter: ContactFilter, org: String) throws -> [String] {
        let predicate = FilterCompiler.predicate(for: filter, org: org)
        let sql = "EXPLAIN QUERY PLAN SELECT id FROM \(Schema.table(for: filter.pipeline)) WHERE \(predicate.sql)"
        return try query(sql, predicate.bindings).map { $0[3] ?? "" }
    }
}

// MARK: - Cases

private func filter(_ build: (inout ContactFilter) -> Void) -> ContactFilter {
    var filter = ContactFilter()
    filter.requester = "user-1"
    build(&filter)
    return filter
}

/// `filter` on stages `stages` (none: org-wide), then `build`.
private func on(_ stages: String..., build: (inout ContactFilter) -> Void = { _ in }) -> ContactFilter {
    filter {
        if stages.isEmpty { $0.orgWide = true } else { $0.stageIds = stages }
        build(&$0)
    }
}

struct CompilerCase: Sendable, CustomTestStringConvertible {
    let name: String
    let org: String
    let filter: ContactFilter
    /// False for the cases meant to select nothing; every other case must select something.
    let selectsSome: Bool
    var testDescription: String { name }

    init(_ name: String, org: String = "org-a", _ filter: ContactFilter, selectsSome: Bool = true) {
        self.name = name
        self.org = org
        self.filter = filter
        self.selectsSome = selectsSome
    }
}

private let cases: [CompilerCase] = [
    // Stages and org.
    .init("one stage", on("s1")),
    .init("two stages", on("s1", "s2")),
    .init("repeated stage", on("s1", "s1")),
    .init("unknown stage", on("s404"), selectsSome: false),
    .init("org-wide", on()),
    .init(
        "org-wide ignores stageIds",
        filter {
            $0.orgWide = true
            $0.stageIds = ["s404"]
        }),
    .init("other org, one stage", org: "org-b", on("s1")),
    .init("other org, org-wide", org: "org-b", on()),
    .init("a stage only the other org has", on("s9"), selectsSome: false),
    .init("an org with no rows", org: "org-c", on(), selectsSome: false),
    .init("no stages and not org-wide", filter { _ in }, selectsSome: false),
    // Owner.
    .init("owned", on("s1", "s2", "s4") { $0.owner = .owned }),
    .init("unowned", on("s1", "s2", "s4") { $0.owner = .unowned }),
    .init("mine", on("s1", "s2") { $0.owner = .mine }),
    .init(
        "mine for user-2, org-wide",
        on {
            $0.owner = .mine
            $0.requester = "user-2"
        }),
    .init(
        "mine for a stranger",
        on {
            $0.owner = .mine
            $0.requester = "user-404"
        }, selectsSome: false),
    .init("mine in the other org", org: "org-b", on { $0.owner = .mine }),
    // Dates: half-open windows.
    .init("createdAfter t0 (inclusive)", on { $0.createdAfter = t0 }),
    .init("createdBefore t0 (exclusive)", on { $0.createdBefore = t0 }),
    .init(
        "created in [t0, t0+1)",
        on {
            $0.createdAfter = t0
            $0.createdBefore = t0 + 1
        }),
    .init(
        "created in [t0-5, t0+5)",
        on {
            $0.createdAfter = t0 - 5
            $0.createdBefore = t0 + 5
        }),
    .init(
        "empty created window",
        on {
            $0.createdAfter = t0 + 1
            $0.createdBefore = t0 + 1
        }, selectsSome: false),
    .init("updatedAfter t0+1", on { $0.updatedAfter = t0 + 1 }),
    .init("updatedBefore t0", on { $0.updatedBefore = t0 }),
    .init(
        "updated in [t0-1, t0)",
        on {
            $0.updatedAfter = t0 - 1
            $0.updatedBefore = t0
        }),
    .init(
        "all four dates",
        on {
            $0.createdAfter = t0 - day
            $0.createdBefore = t0 + day
            $0.updatedAfter = t0
            $0.updatedBefore = t0 + 11
        }),
    // Tags.
    .init("any of vip", on { $0.tagsAny = ["vip"] }),
    .init("any of vip, promo", on { $0.tagsAny = ["vip", "promo"] }),
    .init("any of VIP (case-sensitive)", on { $0.tagsAny = ["VIP"] }),
    .init("any of vip, vip, vip", on { $0.tagsAny = ["vip", "vip", "vip"] }),
    .init("any of an unknown tag", on { $0.tagsAny = ["nope"] }, selectsSome: false),
    .init("any of a%b (literal)", on { $0.tagsAny = ["a%b"] }),
    .init("any of a non-ASCII tag", on { $0.tagsAny = ["日本"] }),
    .init("all of vip, lead", on { $0.tagsAll = ["vip", "lead"] }),
    .init("all of vip, lead, vip (duplicate)", on { $0.tagsAll = ["vip", "lead", "vip"] }),
    .init("all of vip, vip (duplicate; a row with vip twice)", on { $0.tagsAll = ["vip", "vip"] }),
    .init("all of promo (a row with promo twice)", on { $0.tagsAll = ["promo"] }),
    .init("all of lead, promo", on { $0.tagsAll = ["lead", "promo"] }),
    .init("all of vip, nope", on { $0.tagsAll = ["vip", "nope"] }, selectsSome: false),
    .init(
        "any of promo and all of vip, lead",
        on {
            $0.tagsAny = ["promo"]
            $0.tagsAll = ["vip", "lead"]
        }),
    // Source and assignees.
    .init("source webchat", on { $0.source = "webchat" }),
    .init("source sms on s1", on("s1") { $0.source = "sms" }),
    .init("source empty string", on { $0.source = "" }),
    .init("source unknown", on { $0.source = "fax" }, selectsSome: false),
    .init("assigned to user-1 or user-2", on { $0.assignedTo = ["user-1", "user-2"] }),
    .init("assigned to the empty string", on { $0.assignedTo = [""] }),
    .init("assigned to nobody listed", on { $0.assignedTo = [] }, selectsSome: false),
    .init("assigned to a stranger", on { $0.assignedTo = ["user-404"] }, selectsSome: false),
    // Search.
    .init("search ada (any case)", on { $0.search = "ada" }),
    .init("search ADA", on { $0.search = "ADA" }),
    .init("search an email domain", on { $0.search = "EXAMPLE.FR" }),
    .init("search a phone fragment", on { $0.search = "555-01" }),
    .init("search % (literal)", on { $0.search = "%" }),
    .init("search 0% (literal)", on { $0.search = "0% R" }),
    .init("search _ (literal)", on { $0.search = "_" }),
    .init("search a_a does not match as a wildcard", on { $0.search = "a_a" }, selectsSome: false),
    .init("search a%e does not match as a wildcard", on { $0.search = "a%e" }, selectsSome: false),
    .init(#"search \ (literal)"#, on { $0.search = #"k\s"# }),
    .init("search émile (same case)", on { $0.search = "émile" }),
    .init("search Émile (same case)", on { $0.search = "Émile" }),
    .init("search mile", on { $0.search = "mile" }),
    .init("search empty string", on { $0.search = "" }),
    .init("search nothing like it", on { $0.search = "zzzz" }, selectsSome: false),
    // Applications.
    .init("applications on s1", on("s1") { $0.pipeline = .application }),
    .init(
        "applications org-wide, mine",
        on {
            $0.pipeline = .application
            $0.owner = .mine
        }),
    .init(
        "applications created before t0+1, tag vip",
        on {
            $0.pipeline = .application
            $0.createdBefore = t0 + 1
            $0.tagsAny = ["vip"]
        }),
    .init("applications in the other org", org: "org-b", on { $0.pipeline = .application }),
    // Combinations.
    .init(
        "s1, owned, any of vip",
        on("s1") {
            $0.owner = .owned
            $0.tagsAny = ["vip"]
        }),
    .init(
        "org-wide, unowned, created from t0",
        on {
            $0.owner = .unowned
            $0.createdAfter = t0
        }),
    .init(
        "s1, s2, mine, search, window",
        on("s1", "s2") {
            $0.owner = .mine
            $0.search = "a"
            $0.createdAfter = t0 - day
            $0.createdBefore = t0 + 3
        }),
    .init(
        "every rule at once",
        on("s1", "s2", "s3") {
            $0.owner = .owned
            $0.createdAfter = t0 - day
            $0.createdBefore = t0 + day
            $0.updatedAfter = t0 - 10
            $0.updatedBefore = t0 + 1000
            $0.tagsAny = ["vip", "promo"]
            $0.tagsAll = ["lead"]
            $0.source = "sms"
            $0.assignedTo = ["user-3", "user-1"]
            $0.search = "UNDER"
        }),
    .init(
        "the other org with every rule", org: "org-b",
        on("s1") {
            $0.owner = .owned
            $0.tagsAll = ["vip"]
            $0.search = "ada"
        }),
]

// MARK: - Tests

@Suite struct FilterCompilerTests {
    @Test(arguments: cases)
    func selectsWhatTheReferenceSelects(_ testCase: CompilerCase) throws {
        let database = try TestDatabase()
        let expected = referenceIds(testCase.filter, org: testCase.org)
        let actual = try database.ids(testCase.filter, org: testCase.org)
        #expect(actual == expected)
        #expect(!expected.isEmpty == testCase.selectsSome, "the case is meant to select \(testCase.selectsSome ? "some" : "none")")
        // Never a row of another org, whatever the reference says.
        let orgOf = Dictionary(rows.map { ($0.id, $0.org) }, uniquingKeysWith: { first, _ in first })
        #expect(actual.allSatisfy { orgOf[$0] == testCase.org })
    }

    @Test(arguments: cases)
    func keepsEveryValueOutOfTheSQLText(_ testCase: CompilerCase) {
        let predicate = FilterCompiler.predicate(for: testCase.filter, org: testCase.org)
        // The only quote is LIKE's escape character.
        #expect(!predicate.sql.replacing("ESCAPE '\\'", with: "").contains("'"))
        #expect(predicate.sql.filter { $0 == "?" }.count == predicate.bindings.count)
        #expect(predicate.sql.hasPrefix("org = ?") && predicate.bindings.first == .text(testCase.org))
    }

    @Test func edgesOfTheCreatedWindow() throws {
        let database = try TestDatabase()
        // a02 at t0-1, a01 and a08 at t0, a03 at t0+1.
        let window = on {
            $0.createdAfter = t0 - 1
            $0.createdBefore = t0 + 1
        }
        #expect(try database.ids(window, org: "org-a") == ["a01", "a02", "a08"])
        #expect(
            try database.ids(
                on {
                    $0.createdAfter = t0
                    $0.createdBefore = t0 + 1
                }, org: "org-a") == ["a01", "a08"])
        #expect(
            try database.ids(
                on {
                    $0.createdBefore = t0 - 1
                    $0.createdAfter = t0 - 1
                }, org: "org-a") == [])
    }

    @Test func treatsLikeWildcardsAsLiterals() throws {
        let database = try TestDatabase()
        #expect(try database.ids(on { $0.search = "%" }, org: "org-a") == ["a05"])
        #expect(try database.ids(on { $0.search = "_" }, org: "org-a") == ["a06"])
        #expect(try database.ids(on { $0.search = #"\"# }, org: "org-a") == ["a07"])
        #expect(FilterCompiler.likeEscaped(#"50%_a\b"#) == #"50\%\_a\\b"#)
    }

    @Test func ignoresDuplicateTags() throws {
        let database = try TestDatabase()
        let once = try database.ids(on { $0.tagsAll = ["vip", "lead"] }, org: "org-a")
        #expect(once == ["a02", "a06"])
        #expect(try database.ids(on { $0.tagsAll = ["vip", "lead", "lead", "vip"] }, org: "org-a") == once)
        #expect(try database.ids(on { $0.tagsAny = ["lead", "lead"] }, org: "org-a") == ["a02", "a03", "a06", "a08", "a10"])
        let predicate = FilterCompiler.predicate(for: on { $0.tagsAll = ["vip", "vip", "lead"] }, org: "org-a")
        #expect(predicate.bindings == [.text("org-a"), .text("vip"), .text("lead"), .integer(2)])
    }

    /// Documents a limit rather than a wish: LIKE folds ASCII letters only.
    @Test func foldsCaseForASCIIOnly() throws {
        let database = try TestDatabase()
        #expect(try database.ids(on { $0.search = "ADA LOVELACE" }, org: "org-a") == ["a01"])
        #expect(try database.ids(on { $0.search = "ÉMILE" }, org: "org-a") == ["a04"])
        #expect(try database.ids(on { $0.search = "émile" }, org: "org-a") == ["a12"])
    }

    @Test func bindsHostileValuesInsteadOfRunningThem() throws {
        let database = try TestDatabase()
        let hostile = "x'); DROP TABLE contacts; --"
        try database.insert(Row(id: "evil", stage: hostile, assignee: hostile, name: hostile, tags: [hostile], source: hostile))
        let everything = filter {
            $0.stageIds = [hostile, "s1"]
            $0.owner = .mine
            $0.requester = hostile
            $0.tagsAny = [hostile]
            $0.tagsAll = [hostile, "\"]"]
            $0.source = hostile
            $0.assignedTo = [hostile]
            $0.search = hostile
        }
        let predicate = FilterCompiler.predicate(for: everything, org: hostile)
        #expect(!predicate.sql.contains("DROP") && !predicate.sql.contains("--") && !predicate.sql.contains(";"))
        #expect(predicate.bindings.contains(.text(hostile)))

        let before = try database.query("SELECT count(*) FROM contacts")
        #expect(try database.ids(everything, org: hostile) == [])
        var exact = everything
        exact.tagsAll = [hostile]
        #expect(try database.ids(exact, org: "org-a") == ["evil"])
        #expect(try database.query("SELECT count(*) FROM contacts") == before)
        #expect(try database.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'contacts'") == [["contacts"]])
    }

    // MARK: Query plans

    @Test(arguments: [
        on("s1"),
        on("s1", "s2", "s3"),
        on("s1") {
            $0.createdAfter = t0
            $0.tagsAny = ["vip"]
            $0.tagsAll = ["lead"]
            $0.search = "ada"
            $0.source = "sms"
        },
        on("s1") { $0.owner = .unowned },
    ])
    func searchesTheStageIndex(_ filter: ContactFilter) throws {
        let plan = try TestDatabase().plan(filter, org: "org-a")
        #expect(plan.contains { $0.contains("contacts_by_stage") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN contacts") }, "\(plan)")
    }

    @Test func searchesTheApplicationStageIndex() throws {
        let plan = try TestDatabase().plan(on("s1") { $0.pipeline = .application }, org: "org-a")
        #expect(plan.contains { $0.contains("applications_by_stage") }, "\(plan)")
    }

    @Test(arguments: [
        on(),
        on { $0.owner = .owned },
        on {
            $0.createdAfter = t0
            $0.search = "ada"
            $0.tagsAny = ["vip"]
        },
        on { $0.pipeline = .application },
    ])
    func searchesAnOrgIndexWhenOrgWide(_ filter: ContactFilter) throws {
        let plan = try TestDatabase().plan(filter, org: "org-a")
        let table = Schema.table(for: filter.pipeline)
        let onTable = plan.filter { $0.contains(" \(table) ") || $0.hasSuffix(" \(table)") }
        #expect(!onTable.isEmpty, "\(plan)")
        for line in onTable {
            #expect(line.hasPrefix("SEARCH \(table) USING ") && line.contains("INDEX") && line.contains("(org=?"), "\(plan)")
        }
    }
}
