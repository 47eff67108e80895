import Testing
@testable import Coordinator

/// A filter in a log line shows its keys and list sizes, never what a tenant wrote.
@Suite struct FilterShapeTests {
    static let values = ["ann@example.com", "secret-tag", "stage-vip", "user-42", "crm-import", "2024-01-01T00:00:00Z"]

    @Test func showsKeysCountsAndFixedWordsButNoValueATenantWrote() {
        let filter = """
            {"pipelineType":"Application","stageIds":["stage-vip","s2"],"ownerFilter":"mine","advancedParams":{\
            "createdAfter":"2024-01-01T00:00:00Z","tags":["secret-tag"],"assignedTo":["user-42","u2","u3"],\
            "source":"crm-import","search":"ann@example.com"}}
            """
        let shape = FilterShape.describe(filter)
        #expect(shape == """
            {advancedParams: {assignedTo: 3 values, createdAfter, search, source, tags: 1 value}, ownerFilter: mine, \
            pipelineType: Application, stageIds: 2 values}
            """)
        for value in Self.values { #expect(!shape.contains(value), "\(shape) shows \(value)") }
    }

    @Test func anOrgWideFilterSaysSoAndAnUnreadableOneShowsNothing() {
        #expect(FilterShape.describe(#"{"pipelineType":"Contact","orgWide":true}"#) == "{orgWide: true, pipelineType: Contact}")
        #expect(FilterShape.describe(#"["ann@example.com"]"#) == "unreadable")
        #expect(FilterShape.describe("ann@example.com") == "unreadable")
    }
}
