import Testing
@testable import Gateway

/// The cursor fed with pages and live events, no sockets: each event once, in log order.
@Suite struct EventCursorTests {
    private func events(_ seqs: ClosedRange<UInt64>) -> [RenderedEvent] {
        seqs.map { RenderedEvent(seq: $0, org: "o", type: "t", data: "1") }
    }

    @Test(arguments: [
        (nil as String?, EventCursor.Next.fetch(after: nil, limit: 0)),
        ("41", .fetch(after: 41, limit: EventCursor.pageSize)),
        ("9223372036854775807", .fetch(after: 9_223_372_036_854_775_807, limit: EventCursor.pageSize)),
    ])
    func theLastEventIdSaysWhereTheCatchUpStarts(lastEventId: String?, first: EventCursor.Next) throws {
        #expect(EventCursor(start: try EventCursor.Start(lastEventId: lastEventId)).catchUpFetch == first)
    }

    /// Only ids the log hands out (positive, fitting its Int64, written as the server writes them) are accepted.
    @Test(arguments: ["x", "", "s2-17", "+5", "-1", "0", "007", " 41", "41 ", "4 1", "9223372036854775808", "99999999999999999999999", "٤١"])
    func aLastEventIdTheServerCannotHaveGivenIsA400SayingWhatToSend(lastEventId: String) {
        #expect {
            try EventCursor.Start(lastEventId: lastEventId)
        } throws: { error in
            guard case .invalidHeader(let message) = error as? APIError else { return false }
            return message.hasPrefix("Last-Event-ID must be the id of an event this server sent you")
                && message.contains("no Last-Event-ID to start with what happens next") && (error as? APIError)?.response.status == 400
        }
    }

    @Test func aLastEventIdPastTheLogsHeadGoesOnFromTheHeadInsteadOfWaitingForIdsToPassIt() {
        var cursor = EventCursor(start: .after(1_000_000))
        #expect(cursor.live(events(8...8)[0]) == nil)  // held while catching up
        let (send, next) = cursor.page([], head: 7, limit: EventCursor.pageSize)
        #expect(send.map(\.seq) == [8])
        #expect(next == .live)
        #expect(cursor.live(events(9...9)[0])?.seq == 9)
    }

    @Test func withoutALastEventIdOnlyWhatFollowsTheHeadIsSent() {
        var cursor = EventCursor(start: .head)
        #expect(cursor.live(events(7...7)[0]) == nil)  // held while the head is asked for
        let (send, next) = cursor.page([], head: 6, limit: 0)
        #expect(send.map(\.seq) == [7])
        #expect(next == .live)
        #expect(cursor.live(events(8...8)[0])?.seq == 8)
        #expect(cursor.live(events(8...8)[0]) == nil)  // never twice
    }

    @Test func pagesUntilAShortOneThenHeldLiveEventsInOrderWithoutRepeats() {
        var cursor = EventCursor(start: .after(10))
        _ = cursor.live(events(2_013...2_013)[0])
        _ = cursor.live(events(2_012...2_012)[0])
        let full = events(11...1_010)
        let first = cursor.page(full, head: 2_013, limit: EventCursor.pageSize)
        #expect(first.send == full)
        #expect(first.next == .fetch(after: 1_010, limit: EventCursor.pageSize))
        // The last page already holds 2,012, which was also pushed live meanwhile.
        let last = cursor.page(events(1_011...2_012), head: 2_013, limit: EventCursor.pageSize)
        #expect(last.send.map(\.seq) == Array(1_011...2_013))
        #expect(last.next == .live)
        #expect(cursor.lastSent == 2_013)
    }

    @Test func tooManyLiveEventsWhileCatchingUpAreReadFromTheLogInstead() {
        var cursor = EventCursor(start: .after(0))
        for event in events(1...UInt64(EventCursor.heldLimit + 5)) { #expect(cursor.live(event) == nil) }
        let (send, next) = cursor.page([], head: UInt64(EventCursor.heldLimit + 5), limit: EventCursor.pageSize)
        #expect(send.isEmpty)
        #expect(next == .fetch(after: 0, limit: EventCursor.pageSize))
        #expect(!cursor.isLive)
    }

    @Test func aLostLinkMakesALiveCursorCatchUpFromWhatItSent() {
        var cursor = EventCursor(start: .after(5))
        _ = cursor.page(events(6...8), head: 8, limit: EventCursor.pageSize)
        #expect(cursor.isLive)
        #expect(cursor.linkLost() == .fetch(after: 8, limit: EventCursor.pageSize))
        #expect(cursor.linkLost() == nil)  // already catching up: its own fetch goes on
        #expect(cursor.live(events(9...9)[0]) == nil)
    }
}
