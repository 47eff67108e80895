/// The `name=value&…` pairs of a request target's query, percent-decoded.
struct QueryString {
    private var pairs: [(name: String, value: String)] = []

    init(_ query: String?) {
        guard let query else { return }
        for part in query.split(separator: "&") {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            pairs.append((Self.decode(pieces[0]), pieces.count > 1 ? Self.decode(pieces[1]) : ""))
        }
    }

    /// Throws unless every parameter is one of `allowed`: a misspelt one
    /// (`jobid`) would otherwise be ignored and widen what is answered.
    func check(allowed: [String]) throws(APIError) {
        for (name, _) in pairs where !allowed.contains(name) {
            let meant = NearMiss.suggestion(for: name, among: allowed).map { " (did you mean \($0)?)" } ?? ""
            let takes = allowed.isEmpty ? "it takes none" : "it takes \(allowed.joined(separator: ", "))"
            throw .invalidQuery("\(name) is not a query parameter of this endpoint\(meant); \(takes).")
        }
    }

    /// The first value named `name`.
    subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// A page's `limit`: `standard` when absent, else a whole number from 1 to `maximum`.
    func pageLimit(standard: Int, maximum: Int) throws(APIError) -> UInt32 {
        guard let text = self["limit"] else { return UInt32(standard) }
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw .invalidQuery("limit must be a whole number from 1 to \(maximum), got \(JSONValue.quotedExcerpt(text)).")
        }
        return UInt32(value)
    }

    /// A cursor's position as this server writes it, lowercase hex (leading zeros allowed) below
    /// 16^15; nil for anything else, so that what the OpenAPI document's pattern refuses
    /// (`0*[0-9a-f]{1,15}`) is refused here too: `Int64(_:radix:)` alone takes upper case and a sign.
    static func position(_ text: Substring) -> Int64? {
        let significant = text.drop { $0 == "0" }
        guard !text.isEmpty, significant.count <= 15, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        return significant.isEmpty ? 0 : Int64(significant, radix: 16)
    }

    /// What a `cursor` this server did not give out is answered with.
    static let unknownCursor = APIError.invalidQuery(
        "cursor is not one this server gave out; use the nextCursor of the previous page, or none to start.")

    /// `+` as space and `%XX` as a byte; a malformed escape is kept as it is.
    private static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
