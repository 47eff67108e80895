import Testing
import WireRuntime
@testable import Coordinator

/// A shard starts with the few variables it reads and its own server, never the coordinator's secrets.
@Suite struct ShardEnvironmentTests {
    static let inherited = [
        "PATH": "/usr/bin", "HOME": "/home/t", "LANG": "C.UTF-8", "TETHER_LOG": "debug", "SSL_CERT_FILE": "/etc/ssl/ca.pem",
        "TETHER_JWT_SECRET": "jwt-secret-0123456789abcdef0123456789", "TETHER_PG_URL": "postgresql://t:registry-pass@r/x",
        "TETHER_PG_MAP": "/data/pg.map", "PGPASSFILE": "/home/t/.pgpass", "AWS_SECRET_ACCESS_KEY": "aws", "SSH_AUTH_SOCK": "/tmp/agent",
    ]

    @Test func aSQLiteShardGetsOnlyThePassedOnVariables() {
        #expect(ShardEnvironment.variables(inherited: Self.inherited, storage: .sqlite, shard: 0) == [
            "PATH": "/usr/bin", "HOME": "/home/t", "LANG": "C.UTF-8", "TETHER_LOG": "debug", "SSL_CERT_FILE": "/etc/ssl/ca.pem",
        ])
    }

    @Test func aPostgresShardGetsItsOwnServerAndLibpqsSettingsButNotTheMapOrTheJWTSecret() {
        let map = PostgresMap(
            registry: PostgresServer(connectionString: "postgresql://t:registry-pass@r/x"),
            shards: [1: PostgresServer(connectionString: "host=/s1 password=shard-1-pass")])
        #expect(ShardEnvironment.variables(inherited: Self.inherited, storage: .postgres(map), shard: 1) == [
            "PATH": "/usr/bin", "HOME": "/home/t", "LANG": "C.UTF-8", "TETHER_LOG": "debug", "SSL_CERT_FILE": "/etc/ssl/ca.pem",
            "PGPASSFILE": "/home/t/.pgpass",
            "TETHER_PG_URL": "host=/s1 password=shard-1-pass",
        ])
    }
}
