import WireRuntime

/// The whole environment a shard starts with: what the coordinator's own environment holds of the
/// few variables a shard reads, and its own server's connection string. Nothing else passes, so
/// a secret the coordinator was started with (`TETHER_JWT_SECRET`, the map of every server's
/// password) never reaches a shard, nor `/proc/PID/environ` of one.
enum ShardEnvironment {
    /// Variables a shard (or a library it loads) reads, passed on when the coordinator has them:
    /// where programs and its home are, the locale and time zone of its log lines, the log level,
    /// where temporary files go, which authorities OpenSSL trusts (for a TLS connection to PostgreSQL),
    /// where the dynamic linker finds libraries (a toolchain's Swift runtime, when installed so).
    static let passedOn = [
        "PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "TETHER_LOG", "SSL_CERT_FILE", "SSL_CERT_DIR", "LD_LIBRARY_PATH",
    ]

    /// The prefix of libpq's own settings (`PGPASSFILE`, `PGSSLROOTCERT`, ...), passed on to a
    /// shard that keeps its partition on PostgreSQL, whose connection may need them.
    static let libpqPrefix = "PG"

    /// Shard `index`'s environment, from the coordinator's `inherited` one and `storage`.
    static func variables(inherited: [String: String], storage: StorageChoice, shard index: Int) -> [String: String] {
        var variables = inherited.filter { name, _ in
            passedOn.contains(name) || (storage != .sqlite && name.hasPrefix(libpqPrefix))
        }
        for case (let name, let value?) in storage.environment(forShard: index) { variables[name] = value }
        return variables
    }
}
