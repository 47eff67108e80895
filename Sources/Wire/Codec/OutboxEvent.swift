/// A socket event that left a shard's outbox after its batch committed.
///
/// `(shard, seq)` names it for good: `seq` is the shard's outbox sequence,
/// never reused, so a retried delivery is recognised as the same event.
package struct OutboxEvent: WireCodable {
    package var shard: UInt32
    package var seq: Int64
    package var org: String
    package var type: String
    /// The event's data, JSON.
    package var payload: String
    package var createdAt: Int64

    package init(shard: UInt32, seq: Int64, org: String, type: String, payload: String, createdAt: Int64) {
        self.shard = shard
        self.seq = seq
        self.org = org
        self.type = type
        self.payload = payload
        self.createdAt = createdAt
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(shard)
        writer.write(seq)
        writer.write(org)
        writer.write(type)
        writer.write(payload)
        writer.write(createdAt)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        shard = try reader.readUInt32("event.shard")
        seq = try reader.readInt64("event.seq")
        org = try reader.readString("event.org")
        type = try reader.readString("event.type")
        payload = try reader.readString("event.payload")
        createdAt = try reader.readInt64("event.createdAt")
    }
}

/// An event as the coordinator's event log keeps it and the gateways stream
/// it: `seq`, its place in the cluster-wide log, is its SSE id, the same for
/// every subscriber and every delivery, and orders it among all others.
package struct LoggedEvent: WireCodable, Equatable {
    package enum Body: Equatable, Sendable {
        /// A `contact_removed` event, its data as JSON.
        case contactRemoved(json: String)
        /// A `bulk_job_progress` event: the job's document as it changed.
        case jobProgress(JobDocument)
        /// A `contact_restored` event (a restore put the contact back), its data as JSON.
        case contactRestored(json: String)

        /// The body of a contact's event a shard published as `type` (`OutboxEvent.type`), with its
        /// data. A type this build does not know is refused, never streamed as another one (a
        /// restore's events once reached subscribers as removals that way): the shard keeps the
        /// event in its outbox and logs the refusal at every retry.
        package static func contact(type: String, json: String) throws(RemoteFailure) -> Body {
            switch type {
            case "contact_removed": .contactRemoved(json: json)
            case "contact_restored": .contactRestored(json: json)
            default:
                throw RemoteFailure(
                    .badRequest,
                    "an outbox event of type \"\(type)\", which this coordinator does not know: run one build across the cluster")
            }
        }
    }

    package var seq: UInt64
    package var org: String
    package var body: Body

    package init(seq: UInt64, org: String, body: Body) {
        self.seq = seq
        self.org = org
        self.body = body
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(seq)
        writer.write(org)
        switch body {
        case .contactRemoved(let json):
            writer.write(UInt8(1))
            writer.write(json)
        case .jobProgress(let document):
            writer.write(UInt8(2))
            writer.write(document)
        case .contactRestored(let json):
            writer.write(UInt8(3))
            writer.write(json)
        }
    }

    package init(from reader: inout WireReader) throws(WireError) {
        seq = try reader.readUInt64("loggedEvent.seq")
        org = try reader.readString("loggedEvent.org")
        let tag = try reader.readUInt8("loggedEvent.type")
        switch tag {
        case 1: body = .contactRemoved(json: try reader.readString("loggedEvent.json"))
        case 2: body = .jobProgress(try reader.read())
        case 3: body = .contactRestored(json: try reader.readString("loggedEvent.json"))
        default: throw .unknownTag(type: "loggedEvent", tag: tag)
        }
    }
}

/// A page of an org's logged events, oldest first, and the log's newest `seq` (its head).
package struct EventPage: WireCodable, Equatable {
    package var events: [LoggedEvent]
    package var head: UInt64

    package init(events: [LoggedEvent], head: UInt64) {
        self.events = events
        self.head = head
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(array: events)
        writer.write(head)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        events = try reader.readArray("eventPage.events")
        head = try reader.readUInt64("eventPage.head")
    }
}
