/// Everything that can be wrong with bytes that arrive on a socket.
///
/// Each case carries the facts needed to explain it in one log line; decoding
/// never traps on peer input, it throws one of these.
package enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    case badMagic([UInt8])
    case unsupportedProtocolVersion(UInt16, supported: UInt16)
    case frameTooLarge(length: Int, limit: Int)
    case emptyFrame
    case unknownVersion(UInt8)
    case unknownMessageType(UInt8)
    case unknownTag(type: String, tag: UInt8)
    case truncated(field: String, needed: Int, remaining: Int)
    case lengthExceedsRemaining(field: String, length: Int, remaining: Int)
    case invalidUTF8(field: String)
    case invalidValue(field: String, value: Int64)
    case notFinite(field: String)
    case trailingBytes(count: Int)
    /// A stored value in a layout this build does not read (written by another build).
    case unknownStoredLayout(type: String, layout: UInt8, supported: UInt8)

    package var description: String {
        switch self {
        case .badMagic(let bytes):
            "connection preamble: bad magic \(bytes) (not a tether-bulk peer)"
        case .unsupportedProtocolVersion(let version, let supported):
            "connection preamble: protocol version \(version), this build speaks \(supported)"
        case .frameTooLarge(let length, let limit):
            "frame: length \(length) exceeds limit \(limit)"
        case .emptyFrame:
            "frame: empty payload (no version byte)"
        case .unknownVersion(let version):
            "frame: unknown message version \(version)"
        case .unknownMessageType(let type):
            "frame: unknown message type \(type)"
        case .unknownTag(let type, let tag):
            "\(type): unknown tag \(tag)"
        case .truncated(let field, let needed, let remaining):
            "\(field): truncated, needs \(needed) bytes, \(remaining) remain"
        case .notFinite(let field):
            "\(field): not a finite number"
        case .lengthExceedsRemaining(let field, let length, let remaining):
            "\(field): declared length \(length) exceeds the \(remaining) bytes that remain"
        case .invalidUTF8(let field):
            "\(field): not valid UTF-8"
        case .invalidValue(let field, let value):
            "\(field): invalid value \(value)"
        case .trailingBytes(let count):
            "frame: \(count) bytes left over after the message"
        case .unknownStoredLayout(let type, let layout, let supported):
            "stored \(type): layout \(layout), this build reads layout \(supported) (written by another build)"
        }
    }
}
