import StorageDriver
import Wire

/// Compiles a `ContactFilter` into the body of a WHERE clause over
/// `Schema.table(for: filter.pipeline)`.
///
/// Every value travels as a bound `?` parameter, never as SQL text: the SQL
/// depends only on which rules the filter sets and on how many values each
/// holds, so it is also a stable key for a statement cache. Column names are
/// unqualified; use the predicate in a query over that one table.
///
/// The clauses, joined with AND, in this order (so that SQLite searches
/// `<table>_by_stage (org, stage_id)`, or an index on `org` when org-wide):
///
/// | rule | SQL |
/// | --- | --- |
/// | always | `org = ?` |
/// | not org-wide | `stage_id IN (?, …)`; no stage ids at all: `0` |
/// | owned / unowned / mine | `assigned_to IS NOT NULL` / `assigned_to IS NULL` / `assigned_to = ?` (requester) |
/// | dates | `created_at >= ?`, `created_at < ?`, `updated_at >= ?`, `updated_at < ?` (half-open) |
/// | tagsAny | `EXISTS (SELECT 1 FROM json_each(tags) WHERE value IN (?, …))` |
/// | tagsAll | `(SELECT COUNT(DISTINCT value) FROM json_each(tags) WHERE value IN (?, …)) = ?` |
/// | source | `source = ?` |
/// | assignedTo | `assigned_to IN (?, …)`; an empty list: `0` |
/// | search | `(name LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\' OR phone LIKE ? ESCAPE '\')` |
///
/// Tags compare exactly (case-sensitive, byte for byte); duplicate tags in the filter are
/// dropped first. `tagsAll` is one counting subquery rather than one EXISTS a
/// tag, so 1000 tags stay within SQLite's expression depth limit.
///
/// `search` is a substring match: `%`, `_` and `\` in the term are escaped, so
/// they match themselves. SQLite's LIKE folds case for ASCII letters only
/// (without ICU, and with `PRAGMA case_sensitive_like` off, the default): "ADA"
/// finds "ada", but "ÉMILE" does not find "émile"; non-ASCII letters match
/// only in the same case.
enum FilterCompiler {
    /// The clause every predicate starts with.
    private static let orgClause = "org = ?"

    /// How a delete batch reads its table: the index it must use and the
    /// ORDER BY it takes its records in, if any.
    ///
    /// The whole org: in `seq` (rowid) order, read from the `(org)` index
    /// without sorting, so each batch is one contiguous range of every table
    /// (see `Schema`). Any narrower filter: no order, since one its index does
    /// not give would sort every remaining match again for every batch; a stage
    /// filter's index gives `seq` order within each stage anyway.
    static func batchAccess(for predicate: SQLPredicate, table: String) -> (index: String, order: String) {
        predicate.sql == orgClause ? (" INDEXED BY \(table)_by_org", " ORDER BY rowid") : ("", "")
    }

    /// The WHERE-clause body (without `WHERE`) selecting `org`'s rows that `filter` matches.
    ///
    /// A filter that is not org-wide yet has no stage ids (which the gateway
    /// never sends) matches nothing rather than the whole org.
    static func predicate(for filter: ContactFilter, org: String) -> SQLPredicate {
        var builder = Builder()
        for clause in clauses(for: filter, org: org) {
            switch clause {
            case .org(let org): builder.add(orgClause, [.text(org)])
            case .nothing: builder.add("0")
            case .oneOf(let column, let values):
                builder.add("\(column) IN (\(placeholders(values.count)))", values.map { .text($0) })
            case .assigned(let assigned): builder.add(assigned ? "assigned_to IS NOT NULL" : "assigned_to IS NULL")
            case .equals(let column, let value): builder.add("\(column) = ?", [.text(value)])
            case .atLeast(let column, let value): builder.add("\(column) >= ?", [.integer(value)])
            case .before(let column, let value): builder.add("\(column) < ?", [.integer(value)])
            case .anyTag(let tags):
                builder.add("EXISTS (SELECT 1 FROM json_each(tags) WHERE value IN (\(placeholders(tags.count))))", tags.map { .text($0) })
            case .allTags(let tags):
                // A row has all n distinct tags exactly when n distinct ones of its tags are among them.
                builder.add(
                    "(SELECT COUNT(DISTINCT value) FROM json_each(tags) WHERE value IN (\(placeholders(tags.count)))) = ?",
                    tags.map { .text($0) } + [.integer(Int64(tags.count))])
            case .contains(let term):
                let pattern = SQLValue.text("%" + likeEscaped(term) + "%")
                builder.add("(name LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\' OR phone LIKE ? ESCAPE '\\')", [pattern, pattern, pattern])
            }
        }
        return builder.predicate
    }

    /// One rule of a filter, as every storage engine must apply it; each renders it in its own SQL.
    enum Clause: Equatable {
        /// The row belongs to the org (always first).
        case org(String)
        /// Matches no row (an empty list of stage ids or assignees).
        case nothing
        /// The column holds one of the values (never empty).
        case oneOf(column: String, [String])
        /// Someone is (true) or no one is (false) assigned.
        case assigned(Bool)
        case equals(column: String, String)
        /// The column is at least the value (a half-open range's start).
        case atLeast(column: String, Int64)
        /// The column is below the value (a half-open range's end).
        case before(column: String, Int64)
        /// The row has at least one of the tags (distinct, compared byte for byte).
        case anyTag([String])
        /// The row has every one of the tags (distinct, compared byte for byte).
        case allTags([String])
        /// Name, email or phone holds the term, ASCII letters in either case.
        case contains(String)
    }

    /// The rules `filter` sets, in the order of the table above, joined with AND.
    static func clauses(for filter: ContactFilter, org: String) -> [Clause] {
        var clauses: [Clause] = [.org(org)]
        func oneOf(_ column: String, _ values: [String]) -> Clause { values.isEmpty ? .nothing : .oneOf(column: column, values) }
        if !filter.orgWide { clauses.append(oneOf("stage_id", filter.stageIds)) }
        switch filter.owner {
        case nil: break
        case .owned: clauses.append(.assigned(true))
        case .unowned: clauses.append(.assigned(false))
        case .mine: clauses.append(.equals(column: "assigned_to", filter.requester))
        }
        if let date = filter.createdAfter { clauses.append(.atLeast(column: "created_at", date)) }
        if let date = filter.createdBefore { clauses.append(.before(column: "created_at", date)) }
        if let date = filter.updatedAfter { clauses.append(.atLeast(column: "updated_at", date)) }
        if let date = filter.updatedBefore { clauses.append(.before(column: "updated_at", date)) }
        let tagsAny = distinct(filter.tagsAny)
        if !tagsAny.isEmpty { clauses.append(.anyTag(tagsAny)) }
        let tagsAll = distinct(filter.tagsAll)
        if !tagsAll.isEmpty { clauses.append(.allTags(tagsAll)) }
        if let source = filter.source { clauses.append(.equals(column: "source", source)) }
        if let users = filter.assignedTo { clauses.append(oneOf("assigned_to", users)) }
        if let search = filter.search, !search.isEmpty { clauses.append(.contains(search)) }
        return clauses
    }

    /// `term` with LIKE's wildcards `%` and `_`, and the escape character `\` itself, preceded by `\`.
    static func likeEscaped(_ term: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(term.utf8.count)
        for character in term.unicodeScalars {
            if character == "\\" || character == "%" || character == "_" { escaped.unicodeScalars.append("\\") }
            escaped.unicodeScalars.append(character)
        }
        return escaped
    }

    // MARK: - Building

    /// Clauses and their bindings, in order.
    private struct Builder {
        private var clauses: [String] = []
        private var bindings: [SQLValue] = []

        var predicate: SQLPredicate { SQLPredicate(sql: clauses.joined(separator: " AND "), bindings: bindings) }

        mutating func add(_ clause: String, _ values: [SQLValue] = []) {
            clauses.append(clause)
            bindings += values
        }
    }

    /// `?, ?, …`: `count` placeholders.
    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    /// `values` without repeats, first occurrence kept. Repeats are judged by
    /// UTF-8 bytes, as SQLite compares, not by Swift's canonical equivalence:
    /// merging "é" with "e\u{301}" would change what "all of" means.
    private static func distinct(_ values: [String]) -> [String] {
        var seen = Set<[UInt8]>()
        return values.filter { seen.insert(Array($0.utf8)).inserted }
    }
}
