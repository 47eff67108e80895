import Testing
import Wire

/// What refusals and log lines say of a message: its case, never the tenant's values inside it.
@Suite struct CaseNameTests {
    @Test func namesEveryRequestAndResponseByItsCaseAlone() {
        var names: Set<String> = []
        for message in MessageSamples.all {
            let named: String
            switch message {
            case .request(_, let request): named = caseName(of: request)
            case .response(_, let response): named = caseName(of: response)
            default: continue
            }
            #expect(named.allSatisfy { $0.isLetter || $0.isNumber }, "\(named)")
            names.insert(named)
        }
        // The samples' values (org "acme", a filter) are in their descriptions, never in their names.
        #expect(names.isSuperset(of: ["createDeleteJob", "countMatching", "importRecords", "stats"]))
        #expect(!names.contains { $0.contains("acme") })
    }
}
