/// The `Idempotency-Key` header of a request that starts a job.
enum IdempotencyKey {
    /// The longest key, in Unicode scalars (as the OpenAPI document's `maxLength` counts): the
    /// registry keeps every key for a day.
    static let maxLength = 200

    /// The request's key; nil without one. Checked before anything else the request asks for,
    /// a dry run included, so a key the job would refuse is refused the same way on a preview.
    static func of(_ headers: HTTPHeaders) throws(APIError) -> String? {
        let keys = headers.values(for: "idempotency-key")
        guard let key = keys.first else { return nil }
        guard keys.count == 1 else {
            throw .invalidHeader("Idempotency-Key was sent \(keys.count) times: send it once.")
        }
        let length = key.unicodeScalars.count
        guard (1...maxLength).contains(length) else {
            throw .invalidHeader("Idempotency-Key must be 1 to \(maxLength) characters, got \(length): send a shorter key, e.g. a UUID.")
        }
        return key
    }
}
