import Testing
import WireRuntime

/// `--pg-map`: which server holds the registry and each shard, and what a bad map is told.
@Suite struct PostgresMapTests {
    @Test func namesTheRegistrysServerAndEachShardsWithTheRegistrysAsTheDefault() throws {
        let map = try PostgresMap(parsing: """
            # two servers
            registry host=/a port=5432 user=tether

            shard 1 postgresql://tether:secret@b.internal:5432/x?sslmode=require
            shard 3   host=/c port=1 user=tether
            """)
        #expect(map.registry.connectionString == "host=/a port=5432 user=tether")
        #expect(map.server(ofShard: 1).connectionString == "postgresql://tether:secret@b.internal:5432/x?sslmode=require")
        #expect(map.server(ofShard: 3).connectionString == "host=/c port=1 user=tether")
        #expect(map.server(ofShard: 0) == map.registry)
        #expect(map.server(ofShard: 2) == map.registry)
    }

    @Test(arguments: [
        ("shard 1 host=/b", "names no `registry URL` line"),
        ("registry host=/a\nregistry host=/b", "line 2 of the PostgreSQL map names the registry's server a second time"),
        ("registry host=/a\nshard one host=/b", "line 2 of the PostgreSQL map should be `shard N URL`"),
        ("registry host=/a\nshard 1 host=/b\nshard 1 host=/c", "line 3 of the PostgreSQL map names shard 1's server a second time"),
        ("registry host=/a\nreplica host=/b", "line 2 of the PostgreSQL map should be `registry URL` or `shard N URL`"),
    ])
    func aBadMapIsRefusedSayingWhichLineAndWhatItShouldBe(text: String, expected: String) {
        let error = #expect(throws: ProcessOptions.UsageError.self) { try PostgresMap(parsing: text) }
        #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
    }

    @Test func theStorageChoiceTakesTheMapOverTheOneServerAndGivesEachShardItsOwn() throws {
        let one = try StorageChoice(flag: "postgres", environment: ["TETHER_PG_URL": "host=/one"])
        let changes = one.environment(forShard: 2)
        #expect(changes["TETHER_PG_URL"] == .some("host=/one"))
        #expect(changes.keys.contains("TETHER_PG_MAP") && changes["TETHER_PG_MAP"] == .some(nil), "a shard must not see the map")
        #expect(throws: ProcessOptions.UsageError.self) { try StorageChoice(flag: "postgres", environment: [:]) }
        #expect(throws: ProcessOptions.UsageError.self) { try StorageChoice(flag: "postgres", environment: ["TETHER_PG_MAP": "/nonexistent/map"]) }
        #expect(try StorageChoice(flag: nil, environment: ["TETHER_PG_URL": "host=/one"]) == .sqlite)
        #expect(StorageChoice.sqlite.environment(forShard: 0).isEmpty)
    }
}

/// A connection string quoted in a message or a log line shows everything but its password.
@Suite struct ConnectionStringRedactionTests {
    @Test(arguments: [
        ("postgresql://tether:hunter2@b.internal:5432/x?sslmode=require", "postgresql://tether:***@b.internal:5432/x?sslmode=require"),
        ("postgres://tether:p%40ss@b/x", "postgres://tether:***@b/x"),
        ("postgresql://tether@b/x?password=hunter2&sslmode=require", "postgresql://tether@b/x?password=***&sslmode=require"),
        ("host=/a port=5432 password=hunter2 user=tether", "host=/a port=5432 password=*** user=tether"),
        ("host=/a password = 'hunter 2 \\' x' user=tether", "host=/a password = *** user=tether"),
        ("host=/a PASSWORD=hunter2", "host=/a PASSWORD=***"),
        ("host=/a port=5432 user=tether", "host=/a port=5432 user=tether"),
        ("postgresql://tether@b/x", "postgresql://tether@b/x"),
    ])
    func replacesEveryPasswordAndNothingElse(text: String, expected: String) {
        #expect(PostgresServer.redactingPasswords(in: text) == expected)
    }

    @Test(arguments: [
        "registry host=/a\nshard one postgresql://tether:hunter2@b/x",
        "registry host=/a\nreplica host=/b password=hunter2",
        "registry host=/a\nshard postgresql://tether:hunter2@b/x",
    ])
    func aBadMapLineIsQuotedWithoutItsPassword(text: String) {
        let error = #expect(throws: ProcessOptions.UsageError.self) { try PostgresMap(parsing: text) }
        let message = error?.description ?? ""
        #expect(message.contains("line 2") && message.contains(PostgresServer.mask), "\(message)")
        #expect(!message.contains("hunter2"), "\(message)")
    }
}
