import Testing
import WireRuntime
@testable import Gateway

/// The gateway's flags that set its bounds.
@Suite struct GatewayOptionsTests {
    @Test func theReadRateIsTheStandardOneUnlessAFlagSetsIt() throws {
        #expect(try GatewayOptions(arguments: ["--data", "/d"]).readsPerSecond == ReadRate.standardPerSecond)
        #expect(try GatewayOptions(arguments: ["--data", "/d", "--reads-per-second", "3"]).readsPerSecond == 3)
        for bad in ["0", "-1", "many"] {
            #expect(throws: ProcessOptions.UsageError.self) { try GatewayOptions(arguments: ["--data", "/d", "--reads-per-second", bad]) }
        }
    }

    @Test func theConnectionsPerAddressDefaultToTheLimitAndCanBeRaisedForAProxy() throws {
        #expect(try GatewayOptions(arguments: ["--data", "/tmp/d"]).maxConnectionsPerAddress == GatewayLimits.standard.maxConnectionsPerAddress)
        #expect(try GatewayOptions(arguments: ["--data", "/tmp/d", "--max-connections-per-address", "9000"]).maxConnectionsPerAddress == 9000)
    }

    /// No address may be shut out entirely, nor allowed more than every connection there is.
    @Test(arguments: ["0", "10001", "many"])
    func refusesConnectionsPerAddressOutsideOneToTheConnectionLimit(value: String) {
        #expect(throws: ProcessOptions.UsageError("--max-connections-per-address must be a whole number from 1 to 10000, got \(value)")) {
            try GatewayOptions(arguments: ["--data", "/tmp/d", "--max-connections-per-address", value])
        }
    }
}
