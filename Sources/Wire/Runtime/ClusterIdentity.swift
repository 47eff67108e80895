#if canImport(Glibc)
import Glibc
#endif

/// A cluster's id: 32 hex digits made once, kept in `DIR/cluster.id` (mode 0600), and recorded
/// in every PostgreSQL database the cluster uses on first use. A database is the cluster's whose
/// id it records, so two data directories pointed at one server (each with its own JWT secret)
/// cannot both serve its tenants: the second is refused, and saying so is the only way to
/// notice. Moving a cluster to another data directory or host means taking its `cluster.id`
/// along: the id travels with the data.
package struct ClusterIdentity: Sendable, Equatable {
    /// 32 hex digits.
    package let id: String
    /// The file it is kept in, for messages.
    package let file: String

    package init(id: String, file: String) {
        self.id = id
        self.file = file
    }

    /// The id in `layout`'s data directory, made there first when there is none (the coordinator's
    /// first start). Two racing makers agree: the file is linked into place, never overwritten.
    package static func loadOrCreate(_ layout: ClusterLayout) throws -> ClusterIdentity {
        if let id = try load(layout) { return id }
        var generator = SystemRandomNumberGenerator()
        let id = (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16).leftPadded(to: 2) }.joined()
        let temporary = "\(layout.clusterIdFile).\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw SystemCallError(call: "open", errno: errno, context: temporary) }
        let line = Array("\(id)\n".utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        defer { unlink(temporary) }
        guard written == line.count, synced == 0 else { throw SystemCallError(call: "write", errno: errno, context: temporary) }
        guard link(temporary, layout.clusterIdFile) == 0 || errno == EEXIST else {
            throw SystemCallError(call: "link", errno: errno, context: layout.clusterIdFile)
        }
        guard let identity = try load(layout) else { throw ClusterIdentityError.unreadable(path: layout.clusterIdFile) }
        return identity
    }

    /// The id in `layout`'s data directory; nil when it has none yet.
    package static func load(_ layout: ClusterLayout) throws -> ClusterIdentity? {
        let descriptor = open(layout.clusterIdFile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw SystemCallError(call: "open", errno: errno, context: layout.clusterIdFile)
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 64)
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        let text = count > 0 ? String(decoding: bytes[0..<count], as: UTF8.self) : ""
        let id = text.hasSuffix("\n") ? String(text.dropLast()) : text
        guard id.utf8.count == 32, id.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }) else {
            throw ClusterIdentityError.unreadable(path: layout.clusterIdFile)
        }
        return ClusterIdentity(id: id, file: layout.clusterIdFile)
    }
}

package enum ClusterIdentityError: Error, Equatable, CustomStringConvertible {
    /// The database belongs to the cluster whose data directory holds `recorded`.
    case foreign(database: String, recorded: String, ours: String, file: String)
    /// The data directory's id file is not one this build wrote.
    case unreadable(path: String)
    /// A shard started in a data directory without an id (its coordinator makes it first).
    case missing(path: String)

    package var description: String {
        switch self {
        case .foreign(let database, let recorded, let ours, let file):
            "\(database) belongs to cluster \(recorded), not to this one (\(ours), in \(file)); refusing it, since it holds that cluster's"
                + " tenants: point this data directory at another server or database (--pg URL), or start that cluster from the data"
                + " directory whose cluster.id reads \(recorded) (moving that cluster here means copying its cluster.id into this one)"
        case .unreadable(let path):
            "\(path) does not hold a cluster id (32 hex digits); restore it from the data directory it came from"
        case .missing(let path):
            "\(path) is missing; the coordinator makes it before it starts any shard"
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
