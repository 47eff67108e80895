import Foundation

/// Which PostgreSQL server holds what, when they are not all one: the text of a
/// `--pg-map` file, one line each, `registry URL` and `shard N URL` (blank lines
/// and `#` comments ignored). A shard it does not name is on the registry's server.
package struct PostgresMap: Sendable, Equatable {
    package let registry: PostgresServer
    package let shards: [Int: PostgresServer]

    package init(registry: PostgresServer, shards: [Int: PostgresServer] = [:]) {
        self.registry = registry
        self.shards = shards
    }

    /// The server of shard `index`.
    package func server(ofShard index: Int) -> PostgresServer { shards[index] ?? registry }

    /// Parses a map; the error names the line and says what it should be, quoting it without its password.
    package init(parsing text: String) throws(ProcessOptions.UsageError) {
        var registry: PostgresServer?
        var shards: [Int: PostgresServer] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let words = line.split(separator: " ", maxSplits: 1).map(String.init)
            let place = "line \(number + 1) of the PostgreSQL map"
            switch words.first {
            case "registry" where words.count == 2:
                guard registry == nil else { throw ProcessOptions.UsageError("\(place) names the registry's server a second time") }
                registry = PostgresServer(connectionString: words[1])
            case "shard" where words.count == 2:
                let parts = words[1].split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2, let index = Int(parts[0]), index >= 0 else {
                    throw ProcessOptions.UsageError("\(place) should be `shard N URL`, got: \(PostgresServer.redactingPasswords(in: line))")
                }
                guard shards[index] == nil else { throw ProcessOptions.UsageError("\(place) names shard \(index)'s server a second time") }
                shards[index] = PostgresServer(connectionString: parts[1].trimmingCharacters(in: .whitespaces))
            default:
                throw ProcessOptions.UsageError(
                    "\(place) should be `registry URL` or `shard N URL`, got: \(PostgresServer.redactingPasswords(in: line))")
            }
        }
        guard let registry else { throw ProcessOptions.UsageError("the PostgreSQL map names no `registry URL` line") }
        self.init(registry: registry, shards: shards)
    }
}
