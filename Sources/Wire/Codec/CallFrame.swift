/// A call as it crosses the wire: its conversation, then the call still encoded (its family's
/// tag, then its fields), for the receiver to decode as the one family it answers.
package struct CallFrame: WireCodable {
    package let conversation: Conversation
    /// The family's encoding of the call: tag, then fields.
    package let body: [UInt8]

    package init<Family: CallFamily>(_ call: Family) {
        conversation = Family.conversation
        var writer = WireWriter()
        writer.write(call)
        body = writer.bytes
    }

    /// The call's case name (`createJob`), for refusals and logs: never its values, which may hold a tenant's data.
    package var callName: String {
        guard let tag = body.first else { return "empty call" }
        return conversation.family.callName(tag: tag) ?? "tag \(tag)"
    }

    /// The call, decoded as `Family`. A call of another conversation is refused unread, and a
    /// malformed one refused alone; both as `badRequest`, naming the call and `receiver`.
    package func open<Family: CallFamily>(as _: Family.Type, by receiver: String) throws(RemoteFailure) -> Family {
        guard conversation == Family.conversation else {
            throw RemoteFailure(
                .badRequest, "`\(callName)` is the \(conversation.caller)'s call to the \(conversation.callee), not one \(receiver) answers")
        }
        do {
            return try Family(bareBytes: body)
        } catch {
            throw RemoteFailure(.badRequest, "\(receiver) could not read a `\(callName)` call: \(error)")
        }
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(conversation.rawValue)
        writer.write(bytes: body[...])
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("call.conversation")
        guard let conversation = Conversation(rawValue: raw) else { throw .unknownTag(type: "call.conversation", tag: raw) }
        self.conversation = conversation
        body = try reader.readBytes("call.body")
    }
}
