import Testing
@testable import Wire

@Suite struct ImportBatchTests {
    static func contact(_ id: String, name: String = "Ada") -> ImportRecord {
        var record = MessageSamples.record
        record.id = id
        record.contactId = id
        record.name = name
        return record
    }

    /// The batch as the wire carries it: count, then the bytes.
    static func wire(count: UInt32, bytes: [UInt8]) -> WireReader {
        var writer = WireWriter()
        writer.write(count)
        writer.write(bytes: bytes[...])
        return WireReader(writer.bytes)
    }

    @Test func aBatchCarriesItsRecordsThroughAFrame() throws {
        let records = [Self.contact("a1"), MessageSamples.application, Self.contact("a3", name: "Zoë 🦊")]
        let call = CoordinatorCall.importRecords(ImportRecords(org: "o", records: ImportBatch(records), version: 9))
        var decoder = FrameDecoder(sizeLimit: 1 << 20, expectPreamble: false)
        decoder.append(Frame.encode(.request(correlation: 1, CallFrame(call)))[...])
        guard case .request(_, let frame) = try #require(try decoder.next()),
            case .importRecords(let imported) = try frame.open(as: CoordinatorCall.self, by: "shard 0"), imported.version == 9
        else {
            Issue.record("not an import")
            return
        }
        let batch = imported.records
        #expect(batch.count == 3)
        #expect(try batch.records() == records)
    }

    @Test func splittingGroupsByOwnerInOrderWithoutReencoding() throws {
        let records = (0..<9).map { Self.contact("c\($0)") }
        let batch = ImportBatch(records)
        let parts = try batch.split { id in Int(id.dropFirst())! % 3 }
        #expect(parts.keys.sorted() == [0, 1, 2])
        for (owner, part) in parts {
            let mine = records.filter { Int($0.contactId.dropFirst())! % 3 == owner }
            #expect(try part.records() == mine)
            #expect(part.bytes == ImportBatch(mine).bytes)
        }
        #expect(try ImportBatch().split { _ in 0 }.isEmpty)
    }

    @Test func anApplicationGoesWhereItsContactGoes() throws {
        let parts = try ImportBatch([MessageSamples.application]).split { $0 == MessageSamples.record.id ? 1 : 0 }
        #expect(Array(parts.keys) == [1])
    }

    @Test func aCountThatDisagreesWithTheBytesIsRefused() throws {
        let bytes = ImportBatch([Self.contact("a1"), Self.contact("a2")]).bytes
        var more = Self.wire(count: 3, bytes: bytes)
        let claimsMore = try ImportBatch(from: &more)
        #expect(throws: WireError.self) { try claimsMore.records() }
        #expect(throws: WireError.self) { try claimsMore.split { _ in 0 } }
        var fewer = Self.wire(count: 1, bytes: bytes)
        let claimsFewer = try ImportBatch(from: &fewer)
        #expect(throws: WireError.trailingBytes(count: bytes.count / 2)) { try claimsFewer.records() }
        #expect(throws: WireError.trailingBytes(count: bytes.count / 2)) { try claimsFewer.split { _ in 0 } }
    }

    @Test func aForgedCountIsRefusedBeforeAnythingIsReserved() {
        var reader = Self.wire(count: UInt32.max, bytes: [0, 0, 0, 0])
        #expect(throws: WireError.invalidValue(field: "batch.count", value: Int64(UInt32.max))) { try ImportBatch(from: &reader) }
    }

    @Test func aRecordWithBytesPastItsOwnEndIsRefused() throws {
        var encoded = ImportBatch.encoded(Self.contact("a1"))
        encoded.append(0xFF)
        encoded[3] += 1  // the record's length now takes in the extra byte
        var batch = ImportBatch()
        batch.append(encoded[...])
        #expect(throws: WireError.trailingBytes(count: 1)) { try batch.records() }
    }

    @Test func checkedUTF8TakesASCIIAndValidTextAndRefusesTheRest() {
        #expect(String(checkingUTF8: Array("plain ascii".utf8)[...]) == "plain ascii")
        #expect(String(checkingUTF8: Array("Zoë 🦊".utf8)[...]) == "Zoë 🦊")
        #expect(String(checkingUTF8: [][...]) == "")
        // A lone lead byte, a truncated four-byte sequence, an overlong encoding of "/", a surrogate.
        for invalid: [UInt8] in [[0x41, 0xC3], [0xF0, 0x9F, 0x98], [0xC0, 0xAF], [0xED, 0xA0, 0x80]] {
            #expect(String(checkingUTF8: invalid[...]) == nil, "\(invalid)")
        }
    }
}
