/// The calls between the coordinator and a shard about the shard itself and its slices of jobs.

/// Are you serving your mailbox, and is your storage reachable?
package struct Ping: Call {
    package typealias Reply = ShardStatus

    package init() {}

    package func encode(to writer: inout WireWriter) {}

    package init(from reader: inout WireReader) throws(WireError) {}
}

/// Delete your slice of a job; answered with the slice's progress so far.
extension SliceAssignment: Call {
    package typealias Reply = SliceProgress
}

/// Stop your slice of a job at the next batch boundary; answered with its progress.
package struct CancelSlice: Call {
    package typealias Reply = SliceProgress
    package var jobId: String

    package init(jobId: String) { self.jobId = jobId }

    package func encode(to writer: inout WireWriter) { writer.write(jobId) }

    package init(from reader: inout WireReader) throws(WireError) { jobId = try reader.readString("cancelSlice.jobId") }
}

/// A running slice's new share of its job's throttle, from its next batch; answered with whether
/// the slice was running here to take it.
package struct RethrottleSlice: Call {
    package typealias Reply = Bool
    package var jobId: String
    package var recordsPerSecond: Double?

    package init(jobId: String, recordsPerSecond: Double?) {
        self.jobId = jobId
        self.recordsPerSecond = recordsPerSecond
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(jobId)
        writer.write(optional: recordsPerSecond) { $0.write($1) }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        jobId = try reader.readString("rethrottleSlice.jobId")
        recordsPerSecond = try reader.readOptional("rethrottleSlice.rate") { reader throws(WireError) in
            try reader.readDouble("rethrottleSlice.rate")
        }
    }
}

/// Purge what the delete `jobId` kept on this shard: its restore window ended. Answered once the
/// purge is recorded durably (it runs in short background batches after); repeating it is harmless.
package struct PurgeKept: Call {
    package typealias Reply = Bool
    package var jobId: String

    package init(jobId: String) { self.jobId = jobId }

    package func encode(to writer: inout WireWriter) { writer.write(jobId) }

    package init(from reader: inout WireReader) throws(WireError) { jobId = try reader.readString("purgeKept.jobId") }
}

/// Events that left a shard's outbox; once answered (they are logged: the reply counts them), the shard deletes them.
package struct PublishEvents: Call {
    package typealias Reply = UInt64
    package var events: [OutboxEvent]

    package init(_ events: [OutboxEvent]) { self.events = events }

    package func encode(to writer: inout WireWriter) { writer.write(array: events) }

    package init(from reader: inout WireReader) throws(WireError) { events = try reader.readArray("publishEvents.events") }
}
