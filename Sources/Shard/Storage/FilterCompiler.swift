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
        builder.add(orgClause, [.text(org)])

        if !filter.orgWide {
            builder.addIn("stage_id", filter.stageIds)
        }

        switch filter.owner {
        case nil: break
        case .owned: builder.add("assigned_to IS NOT NULL")
        case .unowned: builder.add("assigned_to IS NULL")
        case .mine: builder.add("assigned_to = ?", [.text(filter.requester)])
        }

        if let date = filter.createdAfter { builder.add("created_at >= ?", [.integer(date)]) }
        if let date = filter.createdBefore { builder.add("created_at < ?", [.integer(date)]) }
        if let date = filter.updatedAfter { builder.add("updated_at >= ?", [.integer(date)]) }
        if let date = filter.updatedBefore { builder.add("updated_at < ?", [.integer(date)]) }

        let tagsAny = distinct(filter.tagsAny)
        if !tagsAny.isEmpty {
            builder.add(
                "EXISTS (SELECT 1 FROM json_each(tags) WHERE value IN (\(placeholders(tagsAny.count))))",
                tagsAny.map { .text($0) })
        }
        let tagsAll = distinct(filter.tagsAll)
        if !tagsAll.isEmpty {
            // A row has all n distinct tags exactly when n distinct ones of its tags are among them.
            builder.add(
                "(SELECT COUNT(DISTINCT value) FROM json_each(tags) WHERE value IN (\(placeholders(tagsAll.count)))) = ?",
                tagsAll.map { .text($0) } + [.integer(Int64(tagsAll.count))])
        }

        if let source = filter.source { builder.add("source = ?", [.text(source)]) }
        if let users = filter.assignedTo { builder.addIn("assigned_to", users) }

        if let search = filter.search, !search.isEmpty {
            let pattern = SQLValue.text("%" + likeEscaped(search) + "%")
            builder.add(
                "(name LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\' OR phone LIKE ? ESCAPE '\\')",
                [pattern, pattern, pattern])
        }
        return builder.predicate
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

        /// `column IN (?, …)`, or `0` (false) for an empty list: an empty set matches nothing.
        mutating func addIn(_ column: String, _ values: [String]) {
            if values.isEmpty {
                add("0")
            } else {
                add("\(column) IN (\(FilterCompiler.placeholders(values.count)))", values.map { .text($0) })
            }
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
