/// The bytes each side writes first on a new connection, and the version
/// byte every frame's payload starts with.
///
/// A peer whose preamble differs is refused before any frame is decoded.
package enum ProtocolVersion {
    /// "TBLK": tether-bulk.
    package static let magic: [UInt8] = [0x54, 0x42, 0x4C, 0x4B]
    /// Bumped whenever a message layout changes; both sides must agree.
    package static let current: UInt16 = 9
    /// The first byte of every frame payload.
    package static let messageVersion: UInt8 = 1

    /// Magic, then the protocol version, big-endian: six bytes.
    package static var preamble: [UInt8] {
        magic + [UInt8(current >> 8), UInt8(current & 0xFF)]
    }

    package static let preambleSize = 6

    /// Checks a peer's six preamble bytes.
    package static func validate(preamble bytes: some Collection<UInt8>) throws(WireError) {
        let bytes = Array(bytes)
        guard bytes.count == preambleSize, Array(bytes.prefix(4)) == magic else { throw .badMagic(Array(bytes.prefix(4))) }
        let version = UInt16(bytes[4]) << 8 | UInt16(bytes[5])
        guard version == current else { throw .unsupportedProtocolVersion(version, supported: current) }
    }
}
