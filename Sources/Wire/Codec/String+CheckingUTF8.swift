extension String {
    /// `bytes` as a string when they are valid UTF-8, nil otherwise.
    package init?(checkingUTF8 bytes: ArraySlice<UInt8>) {
        guard Self.isValidUTF8(bytes) else { return nil }
        self = String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `bytes` are valid UTF-8.
    ///
    /// Nearly every string on the wire and in an import is ASCII, which is valid UTF-8 as it
    /// stands. `String(validating:as:)` is generic over its encoding and looks up type metadata
    /// on every call, a cost every string of an import would pay.
    package static func isValidUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        let isASCII = bytes.withUnsafeBufferPointer { buffer in buffer.allSatisfy { $0 < 0x80 } }
        return isASCII || String(validating: bytes, as: UTF8.self) != nil
    }
}
