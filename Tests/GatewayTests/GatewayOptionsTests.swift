import Testing
import Wire
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
}
