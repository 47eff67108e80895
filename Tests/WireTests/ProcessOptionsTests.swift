import Testing
@testable import WireRuntime

@Suite struct ProcessOptionsTests {
    @Test func readsKnownFlags() throws {
        let options = try ProcessOptions(["--data", "/tmp/x", "--port", "8080"], known: ["data", "port"])
        #expect(options.string("data") == "/tmp/x")
        #expect(try options.integer("port", in: 1...65535) == 8080)
    }

    @Test func refusesAnUnknownFlagSoATypoNeverFallsBackToADefault() {
        #expect(throws: ProcessOptions.UsageError.self) { try ProcessOptions(["--prot", "1"], known: ["port"]) }
    }

    @Test func refusesAFlagWithoutItsValue() {
        #expect(throws: ProcessOptions.UsageError("--data needs a value")) { try ProcessOptions(["--data"], known: ["data"]) }
    }

    @Test func refusesAnIntegerOutsideItsRange() throws {
        let options = try ProcessOptions(["--shards", "0"], known: ["shards"])
        #expect(throws: ProcessOptions.UsageError.self) { try options.integer("shards", in: 1...256) }
    }

    @Test func clusterLayoutPlacesFilesWhereTheContractSays() {
        let layout = ClusterLayout(dataDirectory: "/srv/tether/")
        #expect(layout.coordinatorSocket == "/srv/tether/run/coordinator.sock")
        #expect(layout.pidFile(for: ClusterLayout.shardName(3)) == "/srv/tether/run/shard-3.pid")
        #expect(layout.shardsDirectory == "/srv/tether/shards")
    }
}
