/// What a bulk delete may carry beside its filter (beyond the original API): guards, a throttle,
/// and whether it keeps what it deletes.
struct DeleteOptions: Equatable {
    /// Count, delete nothing.
    var dryRun = false
    /// Refuse unless exactly this many records match.
    var expectedCount: UInt64?
    /// Records per second across the whole job; nil: unthrottled.
    var requestsPerSecond: Double?
    /// Keep nothing to restore from, and no personal data in the audit entries; false (the default):
    /// the delete is restorable until its window ends.
    var permanent = false

    init(dryRun: Bool = false, expectedCount: UInt64? = nil, requestsPerSecond: Double? = nil, permanent: Bool = false) {
        self.dryRun = dryRun
        self.expectedCount = expectedCount
        self.requestsPerSecond = requestsPerSecond
        self.permanent = permanent
    }

    /// Reads `dryRun` and `permanent` (booleans), `expectedCount` (a whole number ≥ 0) and
    /// `requestsPerSecond` (see `Throttle`) from the body's top-level object.
    init(in object: [String: JSONValue]) throws(APIError) {
        dryRun = try Self.flag("dryRun", in: object)
        // Strict, as dryRun is: "permanent":"false" or 1 must not be read as either answer.
        permanent = try Self.flag("permanent", in: object)
        if let value = FilterParser.present(object["expectedCount"]) {
            guard case .number(let text) = value, let count = Self.wholeNumber(text) else {
                throw .invalidBody("expectedCount must be a whole number of records, 0 or more, got \(value.description).")
            }
            expectedCount = count
        }
        if let value = FilterParser.present(object["requestsPerSecond"]) {
            guard case .number(let text) = value else { throw .invalidBody(Throttle.explanation(got: value.description)) }
            guard let rate = Throttle.requestsPerSecond(text) else { throw .invalidBody(Throttle.explanation(got: text)) }
            requestsPerSecond = rate
        }
    }

    /// The boolean `key` holds; false when absent or null; `.invalidBody` for anything else.
    private static func flag(_ key: String, in object: [String: JSONValue]) throws(APIError) -> Bool {
        guard let value = FilterParser.present(object[key]) else { return false }
        guard case .bool(let flag) = value else { throw .invalidBody("\(key) must be true or false, got \(value.description).") }
        return flag
    }

    /// `text` as a whole number ≥ 0 that fits 64 bits: `12`, also `12.0` or `1.2e1`.
    private static func wholeNumber(_ text: String) -> UInt64? {
        if let exact = UInt64(text) { return exact }
        guard let value = Double(text), value >= 0, value < 0x1p64 else { return nil }
        return UInt64(exactly: value)
    }
}

/// A job's throttle as a caller writes it, in the body or in `rethrottle`'s query: records per
/// second across the whole job, from `minimum` to `maximum`, or -1 for none (Elasticsearch's
/// `requests_per_second`).
enum Throttle {
    /// The slowest throttle: a job of a few records at 5e-324 per second would hold its
    /// shards' turns and its slot among the org's running jobs for longer than the universe lasts.
    static let minimum = 1.0
    /// The fastest throttle; faster than any shard deletes, so it is as good as none.
    static let maximum = 10_000_000.0

    /// The rate `text` gives: `.some(nil)` for -1 (unthrottled), nil when it is not a valid throttle.
    static func requestsPerSecond(_ text: String) -> Double?? {
        guard let value = Double(text), value.isFinite else { return nil }
        if value == -1 { return .some(nil) }
        guard value >= minimum, value <= maximum else { return nil }
        return .some(value)
    }

    static func explanation(got: String) -> String {
        "requestsPerSecond must be a number of records per second from \(Int(minimum)) to \(Int(maximum)), or -1 for no throttle, got \(got)."
    }

    /// How a job document shows it: -1 when unthrottled.
    static func json(_ requestsPerSecond: Double?) -> String {
        requestsPerSecond.map { "\($0)" } ?? "-1"
    }
}
