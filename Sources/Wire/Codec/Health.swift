/// One shard as the coordinator's supervisor sees it.
package struct ShardHealth: WireCodable {
    package var index: UInt32
    package var up: Bool
    package var pid: Int32
    package var restarts: UInt32

    package init(index: UInt32, up: Bool, pid: Int32, restarts: UInt32) {
        self.index = index
        self.up = up
        self.pid = pid
        self.restarts = restarts
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(index)
        writer.write(up)
        writer.write(pid)
        writer.write(restarts)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        index = try reader.readUInt32("shardHealth.index")
        up = try reader.readBool("shardHealth.up")
        pid = try reader.readInt32("shardHealth.pid")
        restarts = try reader.readUInt32("shardHealth.restarts")
    }
}

/// The whole cluster's health: every shard, answered to `/healthz`.
package struct ClusterHealth: WireCodable {
    package var shards: [ShardHealth]

    package init(shards: [ShardHealth]) { self.shards = shards }

    package var up: Int { shards.count { $0.up } }
    package var total: Int { shards.count }

    package func encode(to writer: inout WireWriter) { writer.write(array: shards) }

    package init(from reader: inout WireReader) throws(WireError) {
        shards = try reader.readArray("clusterHealth.shards")
    }
}

/// A shard's answer to a ping: proof that its mailbox is being served, and
/// whether its storage answers (a shard whose database server is away is up
/// but cannot work: `/healthz` reports it degraded).
package struct ShardStatus: WireCodable {
    package var index: UInt32
    package var pid: Int32
    package var storageReachable: Bool

    package init(index: UInt32, pid: Int32, storageReachable: Bool = true) {
        self.index = index
        self.pid = pid
        self.storageReachable = storageReachable
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(index)
        writer.write(pid)
        writer.write(storageReachable)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        index = try reader.readUInt32("shardStatus.index")
        pid = try reader.readInt32("shardStatus.pid")
        storageReachable = try reader.readBool("shardStatus.storageReachable")
    }
}
