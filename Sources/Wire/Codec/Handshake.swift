/// Which kind of process is on the other end of a connection.
package enum Role: UInt8, Sendable, CustomStringConvertible {
    case gateway = 1
    case coordinator = 2
    case shard = 3
    /// A one-off client of the coordinator's own user: `coordinator --report jobs`, for `scripts/cluster status`.
    case `operator` = 4

    package var description: String {
        switch self {
        case .gateway: "gateway"
        case .coordinator: "coordinator"
        case .shard: "shard"
        case .operator: "operator"
        }
    }
}

/// The first message a connecting process sends: who it is.
package struct Hello: WireCodable {
    package var role: Role
    /// Set for shards only.
    package var shardIndex: UInt32?
    package var pid: Int32

    package init(role: Role, shardIndex: UInt32? = nil, pid: Int32) {
        self.role = role
        self.shardIndex = shardIndex
        self.pid = pid
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(role.rawValue)
        writer.write(optional: shardIndex) { $0.write($1) }
        writer.write(pid)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let rawRole = try reader.readUInt8("hello.role")
        guard let role = Role(rawValue: rawRole) else { throw .invalidValue(field: "hello.role", value: Int64(rawRole)) }
        self.role = role
        shardIndex = try reader.readOptional("hello.shardIndex") { reader throws(WireError) in try reader.readUInt32("hello.shardIndex") }
        pid = try reader.readInt32("hello.pid")
    }
}

/// The accepting side's answer to a `Hello` it takes.
package struct Welcome: WireCodable {
    package var role: Role
    package var shardCount: UInt32

    package init(role: Role, shardCount: UInt32) {
        self.role = role
        self.shardCount = shardCount
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(role.rawValue)
        writer.write(shardCount)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let rawRole = try reader.readUInt8("welcome.role")
        guard let role = Role(rawValue: rawRole) else { throw .invalidValue(field: "welcome.role", value: Int64(rawRole)) }
        self.role = role
        shardCount = try reader.readUInt32("welcome.shardCount")
    }
}

/// The accepting side's answer to a `Hello` it refuses; the connection closes after it.
package struct Refusal: WireCodable, Error {
    package var reason: String

    package init(reason: String) { self.reason = reason }

    package func encode(to writer: inout WireWriter) { writer.write(reason) }

    package init(from reader: inout WireReader) throws(WireError) {
        reason = try reader.readString("refusal.reason")
    }
}
