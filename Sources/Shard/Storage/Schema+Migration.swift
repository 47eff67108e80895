import Wire

extension Schema {
    /// Creates the tables of a new database, or checks and migrates an
    /// existing one, inside the caller's transaction. The version is kept in
    /// `meta` (`schema`): a database written by a newer build is refused
    /// (`StoreError.newerSchema`), never misread; an older one is brought up
    /// to `version`.
    ///
    /// Versions:
    /// 1. `delete_slices` keeps its filter and counters wire-encoded, with no layout byte.
    /// 2. Every stored blob starts with its layout byte (`StoredCodable`); `delete_failures`.
    static func prepare(_ database: SQLiteDatabase, path: String) throws {
        let existing = try database.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'") > 0
        let found = existing ? try database.scalar("SELECT coalesce(max(CAST(value AS INTEGER)), 1) FROM meta WHERE key = 'schema'") : Int64(version)
        guard found <= version else { throw StoreError.newerSchema(path: path, found: found, supported: Int64(version)) }
        for statement in statements { try database.execute(statement) }
        guard existing, found < version else { return }
        try migrateFromVersion1(database)
        try database.prepare("UPDATE meta SET value = ? WHERE key = 'schema'").run([.text("\(version)")])
    }

    /// Version 1 → 2: each checkpoint's filter and counters get their layout byte.
    private static func migrateFromVersion1(_ database: SQLiteDatabase) throws {
        let read = try database.prepare("SELECT job_id, filter, counters FROM delete_slices")
        let rewrite = try database.prepare("UPDATE delete_slices SET filter = ?, counters = ? WHERE job_id = ?")
        while try read.step() {
            // A tombstone (a job cancelled before it was assigned here) has no filter, then and now.
            let filterBytes = read.blob(1)
            try rewrite.bind(bytes: filterBytes.isEmpty ? [] : try ContactFilter(bareBytes: filterBytes).storedBytes, at: 1)
            try rewrite.bind(bytes: try DeleteCounters(bareBytes: read.blob(2)).storedBytes, at: 2)
            try rewrite.bind(read.text(0), at: 3)
            try rewrite.execute()
        }
    }
}
