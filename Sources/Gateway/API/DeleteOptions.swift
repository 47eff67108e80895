/// The optional guards a bulk delete may carry beside its filter (beyond the seed).
struct DeleteGuards: Equatable {
    /// Count, delete nothing.
    var dryRun = false
    /// Refuse unless exactly this many records match.
    var expectedCount: UInt64?

    init(dryRun: Bool = false, expectedCount: UInt64? = nil) {
        self.dryRun = dryRun
        self.expectedCount = expectedCount
    }

    /// Reads `dryRun` (a boolean) and `expectedCount` (a whole number ≥ 0) from the body's top-level object.
    init(in object: [String: JSONValue]) throws(APIError) {
        if let value = FilterParser.present(object["dryRun"]) {
            guard case .bool(let flag) = value else { throw .invalidBody("dryRun must be true or false, got \(value.description).") }
            dryRun = flag
        }
        if let value = FilterParser.present(object["expectedCount"]) {
            guard case .number(let text) = value, let count = Self.wholeNumber(text) else {
                throw .invalidBody("expectedCount must be a whole number of records, 0 or more, got \(value.description).")
            }
            expectedCount = count
        }
    }

    /// `text` as a whole number ≥ 0 that fits 64 bits: `12`, also `12.0` or `1.2e1`.
    private static func wholeNumber(_ text: String) -> UInt64? {
        if let exact = UInt64(text) { return exact }
        guard let value = Double(text), value >= 0, value < 0x1p64 else { return nil }
        return UInt64(exactly: value)
    }
}
