import Wire

/// Every bound the transport enforces, named in one place.
package struct WireLimits: Sendable, Equatable {
    /// The largest frame payload accepted from a peer.
    package var frameSize = Frame.defaultSizeLimit
    /// Bytes queued for a peer that is not reading before the connection is dropped.
    package var outboundBuffer = 64 << 20
    /// How long a new connection may take to complete its handshake.
    package var handshakeTimeout: Duration = .seconds(2)
    /// How long a request waits for its response unless the caller says otherwise.
    package var requestTimeout: Duration = .seconds(5)

    package init() {}

    package static let standard = WireLimits()
}
