import PostgresDriver
import Wire

/// A WHERE-clause body for PostgreSQL with its parameters, `$1` on; a statement
/// adds its own after them, from `nextParameter`.
struct PostgresPredicate {
    var sql: String
    var bindings: [PostgresValue]
    /// True when the predicate is the org alone: an org-wide delete, taken in `seq` order.
    let isOrgWide: Bool

    /// The number of the next parameter after this predicate's.
    var nextParameter: Int { bindings.count + 1 }

    /// Renders `FilterCompiler`'s clauses for `filter` in PostgreSQL's SQL: the
    /// same rules as SQLite applies, each list one array parameter.
    ///
    /// `search` folds ASCII letters only, as SQLite's LIKE does: ILIKE under the
    /// C collation (which every text column is declared with).
    init(for filter: ContactFilter, org: String) {
        var clauses: [String] = []
        var bindings: [PostgresValue] = []
        func parameter(_ value: PostgresValue) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        let rules = FilterCompiler.clauses(for: filter, org: org)
        isOrgWide = rules.count == 1
        for clause in rules {
            switch clause {
            case .org(let org): clauses.append("org = \(parameter(.text(org)))")
            case .nothing: clauses.append("false")
            case .oneOf(let column, let values): clauses.append("\(column) = ANY(\(parameter(.texts(values)))::text[])")
            case .assigned(let assigned): clauses.append(assigned ? "assigned_to IS NOT NULL" : "assigned_to IS NULL")
            case .equals(let column, let value): clauses.append("\(column) = \(parameter(.text(value)))")
            case .atLeast(let column, let value): clauses.append("\(column) >= \(parameter(.integer(value)))")
            case .before(let column, let value): clauses.append("\(column) < \(parameter(.integer(value)))")
            case .anyTag(let tags): clauses.append("tags && \(parameter(.texts(tags)))::text[]")
            case .allTags(let tags): clauses.append("tags @> \(parameter(.texts(tags)))::text[]")
            case .contains(let term):
                let pattern = parameter(.text("%" + FilterCompiler.likeEscaped(term) + "%"))
                clauses.append("(name ILIKE \(pattern) OR email ILIKE \(pattern) OR phone ILIKE \(pattern))")
            }
        }
        sql = clauses.joined(separator: " AND ")
        self.bindings = bindings
    }
}
