#if canImport(Glibc)
import Glibc
#endif
import Foundation
import PostgresDriver
import Synchronization
import WireRuntime

/// A PostgreSQL server for this test process, started by `scripts/pg` on first
/// use in a temporary directory and crashed and removed when the process exits;
/// each caller gets a database of its own on it.
package enum TestPostgres {
    private struct Server {
        let directory: String
        let connectionString: String
    }

    private static let server = Mutex<Result<Server, any Error>?>(nil)
    private static let databases = Atomic<Int>(0)

    /// The connection string of a new, empty database.
    package static func newDatabase() throws -> String {
        let server = try started()
        let name = "test_\(getpid())_\(databases.add(1, ordering: .relaxed).newValue)"
        try PostgresConnection(server.connectionString).execute("CREATE DATABASE \(name)")
        return server.connectionString.replacingOccurrences(of: "dbname=postgres", with: "dbname=\(name)")
    }

    /// The connection string of the server's own `postgres` database, to create or drop others.
    package static func serverConnectionString() throws -> String { try started().connectionString }

    /// The directory `scripts/pg` manages the server in, to stop and start it (a crash, a restart).
    package static func serverDirectory() throws -> String { try started().directory }

    private static func started() throws -> Server {
        try server.withLock { state in
            if let state { return try state.get() }
            let result = Result { try start() }
            state = result
            if case .success = result { atexit { TestPostgres.stopAtExit() } }
            return try result.get()
        }
    }

    private static func start() throws -> Server {
        var template = Array("/tmp/tb-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemCallError(call: "mkdtemp", errno: errno) }
        let directory = String(cString: made) + "/pg"
        let (status, output) = try runCommand(repositoryRoot.appendingPathComponent("scripts/pg").path, ["start", directory, "--port", "5432"])
        guard status == 0 else { throw TestPostgresError(output: output) }
        let connectionString = output.split(separator: "\n").last.map(String.init) ?? ""
        return Server(directory: directory, connectionString: connectionString)
    }

    private static func stopAtExit() {
        guard case .success(let server)? = server.withLock({ $0 }) else { return }
        // The server may live outside the directory (as root, under the postgres user's home): removed with it.
        _ = try? runCommand(repositoryRoot.appendingPathComponent("scripts/pg").path, ["remove", server.directory])
        _ = try? runCommand("/bin/rm", ["-rf", (server.directory as NSString).deletingLastPathComponent])
    }
}

package struct TestPostgresError: Error, CustomStringConvertible {
    let output: String
    package var description: String { "scripts/pg start failed:\n\(output)" }
}
