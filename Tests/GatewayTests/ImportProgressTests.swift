import Foundation
import Testing
import Wire
@testable import Gateway

/// Where an import that stops early stopped, with which status, and what its answer says: batches
/// settled in the order they were sent, and the first one not confirmed is where it stops.
@Suite struct ImportProgressTests {
    private func batch(firstLine: Int, rejectedBefore: Int = 0) -> ImportParsing.Batch {
        ImportParsing.Batch(records: ImportBatch(), firstLine: firstLine, rejectedBefore: rejectedBefore)
    }

    private func json(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    private let unavailable = APIError.remote(RemoteFailure(.unavailable, "shard 2 is down"))
    private let rejected = [(line: 3, error: "bad"), (line: 2_500, error: "bad too"), (line: 4_100, error: "worse")]

    @Test func aBatchInFlightThatFailsStopsTheImportAtItsFirstLineAndLaterConfirmationsDoNotCount() throws {
        var progress = ImportProgress()
        progress.settle(batch(firstLine: 1), .success(ImportCounts(contacts: 2_000, messages: 10)))
        progress.settle(batch(firstLine: 2_002, rejectedBefore: 1), .failure(unavailable))
        // Sent before the failure was known, and confirmed: its lines come again from 2,002 on.
        progress.settle(batch(firstLine: 4_002, rejectedBefore: 2), .success(ImportCounts(contacts: 2_000)))
        #expect(progress.hasFailed)
        // The body limit came too, later in the body: the failed batch is the earlier stop.
        let stop = try #require(progress.stop(bodyEnded: (.malformedRequest(.bodyTooLarge(length: 9, limit: 8)), 6_000), rejectedTotal: 3))
        #expect(stop.line == 2_002)
        let response = progress.response(rejected: rejected, rejectedTotal: 3, stop: stop)
        #expect(response.status == 503)
        let body = try json(response)
        #expect(body["stoppedAtLine"] as? Int == 2_002)
        #expect(body["imported"] as? [String: Int] == ["contacts": 2_000, "applications": 0, "conversations": 0, "messages": 10])
        #expect((body["rejected"] as? [[String: Any]])?.map { $0["line"] as? Int } == [3])
        #expect(body["rejectedTotal"] as? Int == 1)
        #expect(body["error"] as? String == "Service unavailable")
        let message = try #require(body["message"] as? String)
        #expect(message.contains("shard 2 is down") && message.contains("send them again from line 2002"), "\(message)")
    }

    @Test func aBodyOverItsLimitStopsAtItsFirstUnendedLineWith413() throws {
        var progress = ImportProgress()
        progress.settle(batch(firstLine: 1), .success(ImportCounts(contacts: 2_000)))
        progress.settle(batch(firstLine: 2_002, rejectedBefore: 1), .success(ImportCounts(contacts: 2_097)))
        let stop = try #require(progress.stop(bodyEnded: (.malformedRequest(.bodyTooLarge(length: 300, limit: 256)), 4_101), rejectedTotal: 3))
        let response = progress.response(rejected: rejected, rejectedTotal: 3, stop: stop)
        #expect(response.status == 413)
        let body = try json(response)
        #expect(body["stoppedAtLine"] as? Int == 4_101)
        #expect((body["imported"] as? [String: Int])?["contacts"] == 4_097)
        #expect((body["rejected"] as? [[String: Any]])?.count == 3)
        #expect(body["rejectedTotal"] as? Int == 3)
        #expect(body["error"] as? String == "Payload too large")
        let message = try #require(body["message"] as? String)
        #expect(message.contains("nothing from line 4101 on was stored: send the lines from line 4101 on in a new request"), "\(message)")
        #expect(
            progress.logLine(org: "org-1", requester: "u7", took: .milliseconds(2_340), rejectedTotal: 3, stop: stop)
                == "import for org org-1 by u7 in 2.3 s: imported 4097 contacts, 0 applications, 0 conversations, 0 messages; 3 lines rejected; "
                + "stopped at line 4101 with 413: Request body reaches 300 bytes, over the 256-byte limit; send a smaller body.")
    }

    /// Every import gets its line, not only one that stopped early: who imported how much into which org, and how long it took.
    @Test func anImportThatRunsToItsEndIsLoggedWithItsCountsAndTime() {
        var progress = ImportProgress()
        progress.settle(batch(firstLine: 1), .success(ImportCounts(contacts: 5, applications: 1, conversations: 4, messages: 9)))
        let line = progress.logLine(org: "org-2", requester: "ops-ann", took: .milliseconds(61_050), rejectedTotal: 2, stop: nil)
        #expect(line == "import for org org-2 by ops-ann in 61.0 s: imported 5 contacts, 1 applications, 4 conversations, 9 messages; 2 lines rejected")
    }

    @Test func aBodyThatStopsArrivingAnswers408() throws {
        let progress = ImportProgress()
        let stop = progress.stop(bodyEnded: (.requestTimeout(after: .seconds(30)), 1), rejectedTotal: 0)
        let response = progress.response(rejected: [], rejectedTotal: 0, stop: stop)
        #expect(response.status == 408)
        #expect(try json(response)["stoppedAtLine"] as? Int == 1)
    }

    @Test func anImportThatRunsToItsEndAnswers200WithoutAStoppingLine() throws {
        var progress = ImportProgress()
        progress.settle(batch(firstLine: 1), .success(ImportCounts(contacts: 5)))
        #expect(progress.stop(bodyEnded: nil, rejectedTotal: 3) == nil)
        let response = progress.response(rejected: rejected, rejectedTotal: 3, stop: nil)
        #expect(response.status == 200)
        let body = try json(response)
        #expect(body["stoppedAtLine"] == nil && body["error"] == nil)
        #expect(body["rejectedTotal"] as? Int == 3)
    }
}

/// A batch knows the rejections before its first line, and a body cut short keeps its whole lines only.
@Suite struct ImportParsingStopTests {
    private static let good = #"{"name":"A"}"#

    @Test func aBatchCountsTheRejectionsBeforeItsFirstLine() async {
        let parsing = ImportParsing(lineLimit: 1 << 20, now: 0)
        // Line 1 bad, lines 2...2,001 fill a batch, line 2,002 starts the next, line 2,003 is bad.
        let text = "nope\n" + String(repeating: Self.good + "\n", count: ImportEndpoint.batchRecords + 1) + "nope\n"
        let first = await parsing.feed(Array(text.utf8))
        let rest = await parsing.finish()
        #expect(first.map(\.firstLine) == [2] && first.map(\.rejectedBefore) == [1])
        #expect(rest.map(\.firstLine) == [2_002] && rest.map(\.rejectedBefore) == [1])
        #expect(await parsing.rejectedTotal == 2)
    }

    @Test func aBodyCutShortImportsItsWholeLinesAndStopsAtThePartialOne() async {
        let parsing = ImportParsing(lineLimit: 1 << 20, now: 0)
        _ = await parsing.feed(Array((Self.good + "\nnope\n" + Self.good + "\n" + #"{"name":"#).utf8))
        let kept = await parsing.stop()
        #expect(kept.map(\.firstLine) == [1] && kept.map(\.records.count) == [2])
        #expect(await parsing.firstUnendedLine == 4)
        #expect(await parsing.rejected.map(\.line) == [2])
    }
}
