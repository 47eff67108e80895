import Testing
@testable import Gateway
import Wire

/// `GET /api/contacts/stats?by=…`: the groupings it takes, and a 400 naming them for any other value.
@Suite struct StatsGroupingTests {
    @Test func byNamesStageOrOwnerAndItsAbsenceAsksForTheTotals() throws {
        #expect(try ContactEndpoints.grouping(nil) == nil)
        #expect(try ContactEndpoints.grouping("stage") == .stage)
        #expect(try ContactEndpoints.grouping("owner") == .owner)
    }

    @Test(arguments: ["stages", "Stage", "", "assignedTo"])
    func anyOtherByIsRefusedNamingTheAllowedValues(by: String) {
        #expect(throws: APIError.invalidQuery("by must be one of stage, owner (or absent, for the totals), got \"\(by)\".")) {
            try ContactEndpoints.grouping(by)
        }
    }
}
