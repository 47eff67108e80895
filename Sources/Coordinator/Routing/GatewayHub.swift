import Wire
import WireTransport

/// The gateways connected right now, for what the coordinator pushes to them:
/// socket events from the shards and job documents as they change.
actor GatewayHub {
    private var gateways: [ObjectIdentifier: Connection] = [:]

    func add(_ connection: Connection) { gateways[ObjectIdentifier(connection)] = connection }

    func remove(_ connection: Connection) { gateways[ObjectIdentifier(connection)] = nil }

    /// Sends `notice` to every gateway; one that is gone simply misses it (its clients reconnect with Last-Event-ID).
    func broadcast(_ notice: Notice) {
        for connection in gateways.values { connection.notify(notice) }
    }
}
