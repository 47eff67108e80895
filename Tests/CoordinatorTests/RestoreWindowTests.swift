import Testing
import WireRuntime
@testable import Coordinator

@Suite struct RestoreWindowTests {
    @Test(arguments: [
        ("0", Int64(0)), ("0s", 0), ("90s", 90_000), ("15m", 900_000), ("12h", 43_200_000), ("30d", 2_592_000_000),
        ("3650d", 315_360_000_000), ("007s", 7_000),
    ])
    func readsAWholeNumberWithAUnitOrZero(text: String, milliseconds: Int64) throws {
        #expect(try RestoreWindow(parsing: text).milliseconds == milliseconds)
    }

    @Test(arguments: ["", "30", "d", "30 d", "-5s", "+5s", "1.5h", "30D", "30days", "3651d", "1000000000s", "٣d"])
    func refusesAnythingElseSayingWhatItTakes(text: String) {
        let refusal = #expect(throws: ProcessOptions.UsageError.self) { try RestoreWindow(parsing: text) }
        #expect(refusal?.description.hasPrefix("--restore-window must be 0 (every delete permanent) or a whole number with a unit s, m, h or d") == true)
        #expect(refusal?.description.hasSuffix("got \(text.isEmpty ? "nothing" : text)") == true)
    }

    @Test func onlyZeroMakesEveryDeletePermanent() throws {
        #expect(try RestoreWindow(parsing: "0").makesEveryDeletePermanent)
        #expect(try RestoreWindow(parsing: "0d").makesEveryDeletePermanent)
        #expect(try !RestoreWindow(parsing: "1s").makesEveryDeletePermanent)
    }

    @Test(arguments: [("30d", "30d"), ("720h", "30d"), ("90s", "90s"), ("120s", "2m"), ("0s", "0")])
    func saysItselfInTheLargestWholeUnit(text: String, said: String) throws {
        #expect(try RestoreWindow(parsing: text).description == said)
    }

    @Test func theFlagWinsOverTheEnvironmentWhichWinsOverThirtyDays() throws {
        let environment = [RestoreWindow.environmentVariable: "2s"]
        #expect(try RestoreWindow(flag: "5m", environment: environment) == RestoreWindow(seconds: 300))
        #expect(try RestoreWindow(flag: nil, environment: environment) == RestoreWindow(seconds: 2))
        #expect(try RestoreWindow(flag: nil, environment: [RestoreWindow.environmentVariable: ""]) == .standard)
        #expect(try RestoreWindow(flag: nil, environment: [:]) == .standard)
        #expect(RestoreWindow.standard.description == "30d")
    }

    @Test func theCoordinatorTakesItAsAnOptionAndRefusesABadOne() throws {
        let given = try CoordinatorOptions(arguments: ["--data", "/d", "--shards", "2", "--restore-window", "0"], executable: "/c")
        #expect(given.restoreWindow.makesEveryDeletePermanent)
        let fromEnvironment = try CoordinatorOptions(arguments: ["--data", "/d"], executable: "/c", environment: ["TETHER_RESTORE_WINDOW": "2s"])
        #expect(fromEnvironment.restoreWindow == RestoreWindow(seconds: 2))
        #expect(try CoordinatorOptions(arguments: ["--data", "/d"], executable: "/c").restoreWindow == .standard)
        #expect(throws: ProcessOptions.UsageError.self) {
            try CoordinatorOptions(arguments: ["--data", "/d", "--restore-window", "30"], executable: "/c")
        }
    }
}
