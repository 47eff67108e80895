import Foundation

/// The optional guards a bulk delete may carry beside its filter (beyond the seed).
struct DeleteGuards: Equatable {
    /// Count, delete nothing.
    var dryRun = false
    /// Refuse unless exactly this many records match.
    var expectedCount: UInt64?

    /// Reads `dryRun` (a boolean) and `expectedCount` (a whole number ≥ 0) from the body's top level.
    static func parse(_ body: [UInt8]) throws(APIError) -> DeleteGuards {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw .invalidBody("The body must be a JSON object (the filter).")
        }
        var guards = DeleteGuards()
        if let value = object["dryRun"], !(value is NSNull) {
            guard let flag = FilterParser.boolean(value) else { throw .invalidBody("dryRun must be true or false.") }
            guards.dryRun = flag
        }
        if let value = object["expectedCount"], !(value is NSNull) {
            guard FilterParser.boolean(value) == nil, let number = value as? NSNumber, let count = UInt64(exactly: number.doubleValue)
            else { throw .invalidBody("expectedCount must be a whole number of records, 0 or more.") }
            guards.expectedCount = count
        }
        return guards
    }
}
