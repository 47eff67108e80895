/// One request a process makes of another: its fields on the wire, and the type its answer
/// decodes as. A call belongs to each family (`GatewayCall`, `CoordinatorCall`, …) whose case wraps it.
package protocol Call: WireCodable {
    associatedtype Reply: WireCodable
}

extension Call {
    /// The answer carrying `reply`: typed by the call, so a receiver cannot answer it with another call's reply.
    package func answer(_ reply: Reply) -> Answer { .reply(encoding: reply) }
}

/// The calls of one conversation, one case each, wrapping the call. Its tag table is the one
/// place its tags are kept; a receiver decodes only its own family (`CallFrame.open(as:)`).
package protocol CallFamily: WireCodable {
    static var conversation: Conversation { get }
    /// The case name `tag` stands for (nil: none), so a refusal can name a call it did not decode.
    static func callName(tag: UInt8) -> String?
}
