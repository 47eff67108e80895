import Testing
import Wire
@testable import Gateway

@Suite struct GatewayOptionsTests {
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
