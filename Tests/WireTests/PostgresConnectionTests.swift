import Foundation
import PostgresDriver
import TestSupport
import Testing

/// libpq through `PostgresConnection`, against a real server (`TestPostgres`).
@Suite struct PostgresConnectionTests {
    @Test func parametersAndResultsRoundTripEveryKindOfValue() throws {
        let connection = try PostgresConnection(try TestPostgres.newDatabase())
        let awkward = "quote \" backslash \\ comma , brace { } é 🦆"
        let result = try connection.query(
            "SELECT $1::bigint, $2::text, $3::bytea, $4::text[], $5::bigint[], $6::text IS NULL",
            [.integer(-42), .text(awkward), .bytes([0, 1, 0xFF, 0x7F]), .texts([awkward, "", "NULL"]), .integers([3, -1]), .null])
        #expect(result.count == 1)
        #expect(result.integer(0, 0) == -42)
        #expect(result.text(0, 1) == awkward)
        #expect(result.bytes(0, 2) == [0, 1, 0xFF, 0x7F])
        let elements = try connection.query("SELECT unnest($1::text[])", [.texts([awkward, "", "NULL"])])
        #expect((0..<elements.count).map { elements.text($0, 0) } == [awkward, "", "NULL"])
        #expect(elements.isNull(2, 0) == false)
        #expect(try connection.scalar("SELECT sum(x) FROM unnest($1::bigint[]) x", [.integers([3, -1])]) == 2)
        #expect(result.text(0, 5) == "t")
    }

    /// A writer's time-outs hold on its first session and on each one made again after it.
    @Test func aSessionSetupRunsOnTheFirstSessionAndAgainAfterEachReconnection() throws {
        let connection = try PostgresConnection(try TestPostgres.newDatabase(), sessionSetup: PostgresWriterSession.setup)
        func timeouts() throws -> [String] {
            try ["statement_timeout", "lock_timeout"].map { try connection.query("SELECT current_setting($1)", [.text($0)]).text(0, 0) }
        }
        #expect(try timeouts() == ["1min", "5s"])
        try connection.reconnect()
        #expect(try timeouts() == ["1min", "5s"])
    }

    /// An abandoned session runs nothing (each statement throws a connection fault saying why)
    /// until it is made again.
    @Test func anAbandonedSessionRefusesEveryStatementUntilItReconnects() throws {
        let connection = try PostgresConnection(try TestPostgres.newDatabase())
        connection.abandon(because: "its lock is held by another")
        #expect(!connection.isConnected)
        let refused = #expect(throws: PostgresError.self) { try connection.scalar("SELECT 1") }
        #expect(refused?.fault == .connection && refused?.message.contains("its lock is held by another") == true)
        #expect(throws: PostgresError.self) { try connection.execute("SELECT 1") }
        try connection.reconnect()
        #expect(try connection.scalar("SELECT 1") == 1)
    }

    @Test func aTextWithANulByteIsRefusedRatherThanCutShort() throws {
        let connection = try PostgresConnection(try TestPostgres.newDatabase())
        #expect(throws: PostgresError.self) { try connection.query("SELECT $1::text", [.text("ab\u{0}c")]) }
    }

    @Test func aTransactionThatThrowsLeavesNothingBehind() throws {
        let connection = try PostgresConnection(try TestPostgres.newDatabase())
        try connection.execute("CREATE TABLE t (id bigint PRIMARY KEY)")
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try connection.transaction {
                try connection.query("INSERT INTO t VALUES ($1)", [.integer(1)])
                throw Stop()
            }
        }
        #expect(try connection.scalar("SELECT count(*) FROM t") == 0)
        try connection.transaction { try connection.query("INSERT INTO t VALUES ($1)", [.integer(1)]) }
        #expect(try connection.scalar("SELECT count(*) FROM t") == 1)
    }

    @Test func failuresSayWhatKindOfFaultTheyAre() throws {
        let connection = try PostgresConnection(try TestPostgres.newDatabase())
        try connection.execute("CREATE TABLE t (id bigint PRIMARY KEY)")
        try connection.query("INSERT INTO t VALUES ($1)", [.integer(1)])
        let duplicate = #expect(throws: PostgresError.self) { try connection.query("INSERT INTO t VALUES ($1)", [.integer(1)]) }
        #expect(duplicate?.sqlState == "23505")
        #expect(duplicate?.fault == .record)
        #expect(duplicate?.isTransient == false)
        let missing = #expect(throws: PostgresError.self) { try connection.query("SELECT * FROM nowhere") }
        #expect(missing?.fault == .other)
        // The connection is usable after a failed statement outside a transaction.
        #expect(try connection.scalar("SELECT count(*) FROM t") == 1)
        let unreachable = #expect(throws: PostgresError.self) { try PostgresConnection("host=/nonexistent port=1 user=tether dbname=x connect_timeout=2") }
        #expect(unreachable?.fault == .connection)
        #expect(unreachable?.isTransient == true)
    }

    @Test func copyStreamsRowsInOneGo() throws {
        let connection = try PostgresConnection(try TestPostgres.newDatabase())
        try connection.execute("CREATE TABLE t (id bigint, name text)")
        let rows = try connection.copy("COPY t FROM STDIN", Array("1\tada\n2\tgrace\n3\t\\N\n".utf8))
        #expect(rows == 3)
        #expect(try connection.scalar("SELECT count(name) FROM t") == 2)
        let bad = #expect(throws: PostgresError.self) { try connection.copy("COPY t FROM STDIN", Array("x\ty\n".utf8)) }
        #expect(bad?.fault == .record)
        #expect(try connection.scalar("SELECT count(*) FROM t") == 3)
    }

    @Test func aConnectionLostToAServerRestartSaysSoAndReconnects() throws {
        let connection = try PostgresConnection(try TestPostgres.newDatabase())
        #expect(try connection.scalar("SELECT 1") == 1)
        let directory = try TestPostgres.serverDirectory()
        let pg = repositoryRoot.appendingPathComponent("scripts/pg").path
        // The server is shared by the whole test run: the crash's recovery would replay the creation
        // of every database made since its last checkpoint (tens of seconds, up to `scripts/pg`'s
        // minute), where this test needs only the connection to be lost.
        try PostgresConnection(try TestPostgres.serverConnectionString()).execute("CHECKPOINT")
        #expect(try runCommand(pg, ["stop", directory, "--immediate"]).status == 0)
        #expect(try runCommand(pg, ["start", directory]).status == 0)
        let lost = #expect(throws: PostgresError.self) { try connection.scalar("SELECT 1") }
        #expect(lost?.fault == .connection)
        try connection.reconnect()
        #expect(try connection.scalar("SELECT 1") == 1)
    }

    @Test func keepsAtMostItsCapacityOfPreparedStatementsAndPreparesAgainWhatItDropped() throws {
        let connection = try PostgresConnection(try TestPostgres.newDatabase())
        let distinct = PostgresConnection.preparedCapacity + 10
        for value in 0..<distinct { #expect(try connection.scalar("SELECT \(value)::bigint") == Int64(value)) }
        #expect(try connection.scalar("SELECT count(*) FROM pg_prepared_statements") <= Int64(PostgresConnection.preparedCapacity))
        // The first ones were dropped with the rest; asked again, they are prepared again.
        #expect(try connection.scalar("SELECT 0::bigint") == 0)
    }
}
