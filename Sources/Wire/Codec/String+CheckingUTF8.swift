extension String {
    /// `bytes` as a string when they are valid UTF-8, nil otherwise.
    ///
    /// Nearly every string on the wire and in an import is ASCII, which is valid UTF-8 as it
    /// stands. `String(validating:as:)` is generic over its encoding, and at a lookup of type
    /// metadata per call it was a tenth of the time an import spent decoding.
    package init?(checkingUTF8 bytes: ArraySlice<UInt8>) {
        let isASCII = bytes.withUnsafeBufferPointer { buffer in buffer.allSatisfy { $0 < 0x80 } }
        if isASCII {
            self = String(decoding: bytes, as: UTF8.self)
        } else if let string = String(validating: bytes, as: UTF8.self) {
            self = string
        } else {
            return nil
        }
    }
}
