import PostgresDriver
import Wire

/// Another coordinator holds the registry's lock: it runs this cluster's jobs, and two would
/// run each job twice. Starting again cannot help until that one stops.
struct RegistryInUse: Error, Equatable, CustomStringConvertible {
    /// The registry's database, as libpq names it.
    let registry: String
    /// The other coordinator, as it described itself when it took the lock.
    let holder: String

    var description: String {
        "\(registry) is in use by another coordinator (\(holder)); stop that one first (scripts/cluster stop --data ITS-DIR),"
            + " or give this cluster a database of its own (--pg URL). If that coordinator is gone but the server still"
            + " keeps its session (its host died), end the session: SELECT pg_terminate_backend(pid) FROM pg_locks"
            + " WHERE locktype = 'advisory' AND classid = \(PostgresFence.namespace)"
            + " AND objid IN (\(UInt32(bitPattern: PostgresFence.registryKey)), \(UInt32(bitPattern: PostgresFence.eventLogKey)))"
    }
}
