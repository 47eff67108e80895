/// A request that the peer received but could not answer.
package struct RemoteFailure: WireCodable, Error, CustomStringConvertible {
    /// Why, in terms the gateway can map to an HTTP status.
    package enum Kind: UInt8, Sendable {
        case badRequest = 1
        case notFound = 2
        case conflict = 3
        case unavailable = 4
        case `internal` = 5
        case tooManyRequests = 6
        /// What was asked for existed and never will again: a restore of a delete that kept nothing or was purged.
        case gone = 7
    }

    package var kind: Kind
    package var message: String
    /// When retrying may succeed, in whole seconds (HTTP's `Retry-After`); nil: no estimate.
    package var retryAfterSeconds: UInt32?

    package init(_ kind: Kind, _ message: String, retryAfterSeconds: UInt32? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    package var description: String { "\(kind): \(message)" }

    /// A delete (or its dry run) whose `expectedCount` guard does not hold.
    package static func expectedCountMismatch(expected: UInt64, matching: UInt64) -> RemoteFailure {
        RemoteFailure(.conflict, "expectedCount is \(expected) but \(matching) records match now; check the filter, then send the current count.")
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(kind.rawValue)
        writer.write(message)
        writer.write(optional: retryAfterSeconds) { $0.write($1) }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("remoteFailure.kind")
        guard let kind = Kind(rawValue: raw) else { throw .invalidValue(field: "remoteFailure.kind", value: Int64(raw)) }
        self.kind = kind
        message = try reader.readString("remoteFailure.message")
        retryAfterSeconds = try reader.readOptional("remoteFailure.retryAfter") { reader throws(WireError) in
            try reader.readUInt32("remoteFailure.retryAfter")
        }
    }
}
