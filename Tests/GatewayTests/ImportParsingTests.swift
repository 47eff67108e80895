#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Wire
@testable import Gateway

@Suite struct LineSplitterTests {
    private func lines(_ pieces: [String], max: Int = 100) -> [String] {
        var splitter = LineSplitter(maxLineBytes: max)
        var out: [String] = []
        func record(_ line: LineSplitter.Line) {
            switch line {
            case .complete(let number, let bytes): out.append("\(number):\(String(decoding: bytes, as: UTF8.self))")
            case .tooLong(let number): out.append("\(number):TOO LONG")
            }
        }
        for piece in pieces { splitter.feed(Array(piece.utf8)).forEach(record) }
        splitter.finish().map(record)
        return out
    }

    @Test func numbersLinesFromOneAndDropsCarriageReturns() {
        #expect(lines(["a\r\nb\nc"]) == ["1:a", "2:b", "3:c"])
    }

    @Test func joinsLinesSplitAcrossPieces() {
        let text = "first line\nsecond\n\nfourth\n"
        for split in 0...text.utf8.count {
            let bytes = Array(text.utf8)
            let pieces = [String(decoding: bytes[..<split], as: UTF8.self), String(decoding: bytes[split...], as: UTF8.self)]
            #expect(lines(pieces) == ["1:first line", "2:second", "3:", "4:fourth"], "split at \(split)")
        }
    }

    /// After one long line, each short line must not cost a buffer of the long line's size, or a
    /// few MiB sent would grow the gateway by hundreds (`scripts/bench flood`).
    @Test func shortLinesAfterALongOneCostTheirOwnSizeNotTheLongOnes() throws {
        var splitter = LineSplitter(maxLineBytes: 1 << 20)
        _ = splitter.feed(Array(repeating: UInt8(ascii: "x"), count: 900_000))
        var held = splitter.feed([UInt8(ascii: "\n")])
        let before = try Self.virtualBytes()
        held += splitter.feed(Array(repeating: UInt8(ascii: "\n"), count: 2_000))
        let grown = try Self.virtualBytes() - before
        #expect(held.count == 2_001)
        // A buffer of the long line's size for each would map about 2 GiB.
        #expect(grown < 512 << 20, "2,000 empty lines mapped \(grown) bytes")
    }

    /// This process's mapped memory (VmSize), from /proc/self/statm.
    private static func virtualBytes() throws -> Int {
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        return (Int(statm.split(separator: " ")[0]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    @Test func reportsALineOverTheLimitOnceAndKeepsCounting() {
        let long = String(repeating: "x", count: 30)
        #expect(lines(["ok\n", long.prefix(15) + "", long.suffix(15) + "\nafter\n"], max: 20) == ["1:ok", "2:TOO LONG", "3:after"])
        #expect(lines([long + "\nafter"], max: 20) == ["1:TOO LONG", "2:after"])
    }
}

@Suite struct ImportLineParserTests {
    let parser = ImportLineParser(now: 1_000)

    private func parse(_ json: String) throws -> ImportRecord {
        var batch = ImportBatch()
        batch.append(try parser.parse(Array(json.utf8)[...])[...])
        return try #require(try batch.records().first)
    }

    @Test func readsAContactWithItsConversationsAndMessages() throws {
        let record = try parse("""
            {"_id":"aaaaaaaaaaaaaaaaaaaaaaa1","stageId":"s1","assignedTo":"user-7","name":"Ada","email":"ada@example.com",\
            "phone":"+15550100","tags":["vip"],"source":"webchat","createdAt":"2026-01-05T10:00:00Z","updatedAt":"2026-01-05T10:00:00Z",\
            "conversations":[{"_id":"bbbbbbbbbbbbbbbbbbbbbbb1","channel":"sms","createdAt":"2026-01-05T10:00:00Z",\
            "messages":[{"_id":"ccccccccccccccccccccccc1","direction":"inbound","body":"hi","createdAt":"2026-01-05T10:00:00Z"}]}]}
            """)
        #expect(record.kind == .contact)
        #expect(record.contactId == record.id)
        #expect(record.assignedTo == "user-7")
        #expect(record.tags == ["vip"])
        #expect(record.createdAt == 1_767_607_200_000)
        #expect(record.conversations.first?.messages.first?.body == "hi")
    }

    /// The parser writes the wire layout itself: byte for byte what `ImportRecord.encode` writes.
    @Test func writesTheSameBytesAsTheRecordsOwnEncoding() throws {
        let line = #"{"kind":"Application","_id":"aaaaaaaaaaaaaaaaaaaaaaa2","contactId":"aaaaaaaaaaaaaaaaaaaaaaa1","stageId":"s\u00e9","tags":["a","b\"c"],"createdAt":"2026-01-05","updatedAt":"2026-01-05T10:00:00.5+01:00"}"#
        let expected = ImportRecord(
            kind: .application, id: "aaaaaaaaaaaaaaaaaaaaaaa2", contactId: "aaaaaaaaaaaaaaaaaaaaaaa1", stageId: "sé", assignedTo: nil,
            name: "", email: "", phone: "", tags: ["a", "b\"c"], source: nil, createdAt: 1_767_571_200_000,
            updatedAt: 1_767_603_600_500, conversations: [])
        #expect(try parser.parse(Array(line.utf8)[...]) == ImportBatch.encoded(expected))

        let contact = try parse("""
            {"_id":"aaaaaaaaaaaaaaaaaaaaaaa1","name":"Ada","source":"webchat","conversations":[{"_id":"bbbbbbbbbbbbbbbbbbbbbbb1",\
            "messages":[{"_id":"ccccccccccccccccccccccc1","body":"a\\tb"},{"_id":"ccccccccccccccccccccccc2"}]},{"_id":"bbbbbbbbbbbbbbbbbbbbbbb2"}]}
            """)
        #expect(try parser.parse(Array("""
            {"_id":"aaaaaaaaaaaaaaaaaaaaaaa1","name":"Ada","source":"webchat","conversations":[{"_id":"bbbbbbbbbbbbbbbbbbbbbbb1",\
            "messages":[{"_id":"ccccccccccccccccccccccc1","body":"a\\tb"},{"_id":"ccccccccccccccccccccccc2"}]},{"_id":"bbbbbbbbbbbbbbbbbbbbbbb2"}]}
            """.utf8)[...]) == ImportBatch.encoded(contact))
        #expect(contact.conversations.map(\.messages.count) == [2, 0])
        #expect(contact.conversations[0].messages[0].body == "a\tb")
    }

    @Test func makesIdsAndDatesThatAreAbsent() throws {
        let record = try parse(#"{"conversations":[{"messages":[{}]}]}"#)
        #expect(ImportLineParser.isValidId(record.id))
        #expect(ImportLineParser.isValidId(record.conversations[0].id))
        #expect(ImportLineParser.isValidId(record.conversations[0].messages[0].id))
        #expect(record.createdAt == 1_000)
        #expect(record.assignedTo == nil)
    }

    @Test func routesAnApplicationByItsContact() throws {
        let record = try parse(#"{"kind":"Application","_id":"aaaaaaaaaaaaaaaaaaaaaaa2","contactId":"aaaaaaaaaaaaaaaaaaaaaaa1"}"#)
        #expect(record.kind == .application)
        #expect(record.contactId == "aaaaaaaaaaaaaaaaaaaaaaa1")
    }

    @Test func boundsTagsPerLine() {
        let tags = (0...ImportLineParser.maxTags).map { "\"t\($0)\"" }.joined(separator: ",")
        #expect(throws: ImportLineParser.LineError("tags has more than \(ImportLineParser.maxTags) entries")) { try parse("{\"tags\":[\(tags)]}") }
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        ("[1,2]", "each line must be one JSON object"),
        (#"{"_id":"ABC"}"#, #"_id must be 24 lowercase hex characters, got "ABC""#),
        (#"{"kind":"Lead"}"#, #"kind must be "Contact" or "Application", got "Lead""#),
        (#"{"kind":"Application"}"#, "an Application needs contactId, the id of its contact"),
        (#"{"kind":"Application","contactId":"aaaaaaaaaaaaaaaaaaaaaaa1","conversations":[]}"#, "conversations belong to contacts; an Application carries none"),
        (#"{"name":5}"#, "name must be a string"),
        (#"{"tags":"vip"}"#, "tags must be an array of strings"),
        (#"{"createdAt":"yesterday"}"#, #"createdAt must be an ISO 8601 date such as 2026-01-05T10:00:00Z, got "yesterday""#),
        (#"{"conversations":[{"messages":[{"_id":"zz"}]}]}"#, #"conversations[0].messages[0]._id must be 24 lowercase hex characters, got "zz""#),
    ])
    func rejectsALineSayingWhatIsWrong(_ line: String, _ message: String) {
        #expect(throws: ImportLineParser.LineError(message)) { try parse(line) }
    }
}
