/// Why a shard's store refused to open or to write.
enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The database file was made for another shard or slot range.
    case foreignDatabase(path: String, found: String, expected: String)
    /// A record reached a shard that does not own its slot (a routing bug or a stale map).
    case misrouted(id: String, slot: UInt32, owned: String)
    /// A batch was asked for a job this shard was never assigned.
    case unknownSlice(String)
    /// A read ran past its time budget and was stopped; `advice` says what the caller can do.
    case readBudgetExceeded(what: String, budget: Duration, advice: String = StoreError.narrowTheFilter)
    /// The database was written by a newer build, in a schema this one does not read.
    case newerSchema(path: String, found: Int64, supported: Int64)
    /// Another process holds the partition's lock: it is that shard.
    case partitionLocked(path: String)
    /// A slice's checkpoint row holds a status this build does not know (a damaged row).
    case unknownSliceStatus(jobId: String, status: Int64)
    /// A slice's checkpoint row holds a kind this build does not know (a damaged row).
    case unknownSliceKind(jobId: String, kind: Int64)
    /// An imported contact was neither inserted nor found to update (a constraint the import does not expect).
    case contactVanished(id: String)
    /// A restore's slice names no delete to restore (the registry always sets one: a damaged row or a bug).
    case restoreOfNoDelete(jobId: String)

    static let narrowTheFilter = "narrow the filter (a long search or many tags are costly), then retry"
    /// A count of the org's every row is slow only while many rows were just written or deleted
    /// (PostgreSQL reads each deleted row until its vacuum has run).
    static let retrySoon = "retry in a few seconds (right after a large import or delete the counts are slow until the storage has tidied up)"

    var description: String {
        switch self {
        case .foreignDatabase(let path, let found, let expected):
            "\(path) belongs to \(found), not \(expected); refusing to open it (move it away or start the cluster with its original --shards)"
        case .misrouted(let id, let slot, let owned):
            "record \(id) hashes to slot \(slot), outside this shard's slots \(owned)"
        case .unknownSlice(let jobId):
            "no delete slice for job \(jobId) on this shard"
        case .readBudgetExceeded(let what, let budget, let advice):
            "\(what) took longer than \(budget) and was stopped; \(advice)"
        case .newerSchema(let path, let found, let supported):
            "\(path) is in shard schema \(found), written by a newer tether-bulk; this build reads schemas up to \(supported): run the newer build"
        case .partitionLocked(let path):
            "\(path) is held by another process serving this shard; stop it first (scripts/cluster stop) or use another data directory"
        case .unknownSliceStatus(let jobId, let status):
            "the checkpoint of job \(jobId)'s slice has status \(status), which no build writes; the row is damaged"
        case .unknownSliceKind(let jobId, let kind):
            "the checkpoint of job \(jobId)'s slice has kind \(kind), which this build does not run; the row is damaged"
        case .contactVanished(let id):
            "contact \(id) was neither inserted nor updated; its batch was rolled back"
        case .restoreOfNoDelete(let jobId):
            "restore job \(jobId) names no delete to restore; nothing was restored"
        }
    }
}
