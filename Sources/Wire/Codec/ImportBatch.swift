/// Import records as they cross the wire: each one encoded and length-prefixed, end to end.
///
/// The coordinator routes a batch to the shards by contact id alone (`split`): a scan and a copy,
/// where decoding every field of every record and encoding it again would hold one of its two
/// pool threads while a small tenant's read waits behind it (docs/benchmarks.md, "Reads and bulk
/// work on two cores"). Each shard decodes
/// only its own part (`records`), on its writer's thread.
package struct ImportBatch: WireCodable {
    package private(set) var count = 0
    package private(set) var bytes: [UInt8] = []

    package init() {}

    package init(_ records: some Sequence<ImportRecord>) {
        for record in records { append(Self.encoded(record)[...]) }
    }

    /// `record` as `append` takes it: the caller sees its size before adding it.
    package static func encoded(_ record: ImportRecord) -> [UInt8] {
        var writer = WireWriter(reservingCapacity: 512)
        writer.write(UInt32(0))
        record.encode(to: &writer)
        writer.patch(UInt32(writer.bytes.count - 4), at: 0)
        return writer.bytes
    }

    /// Adds a record encoded by `encoded` (or taken whole from another batch).
    package mutating func append(_ encodedRecord: ArraySlice<UInt8>) {
        bytes.append(contentsOf: encodedRecord)
        count += 1
    }

    package var isEmpty: Bool { count == 0 }

    /// Every record, decoded; throws if any is malformed, or the bytes hold more or fewer than `count`.
    package func records() throws(WireError) -> [ImportRecord] {
        var reader = WireReader(bytes)
        var records: [ImportRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            var record = try reader.readSection("batch.record")
            records.append(try ImportRecord(from: &record))
            try record.expectEnd()
        }
        try reader.expectEnd()
        return records
    }

    /// The records grouped by `owner` of their contact id, each still encoded as it came.
    package func split(by owner: (String) -> Int) throws(WireError) -> [Int: ImportBatch] {
        var parts: [Int: ImportBatch] = [:]
        var reader = WireReader(bytes)
        for _ in 0..<count {
            let start = reader.offset
            var record = try reader.readSection("batch.record")
            let contactId = try ImportRecord.readHead(&record).contactId
            parts[owner(contactId), default: ImportBatch()].append(bytes[start..<reader.offset])
        }
        try reader.expectEnd()
        return parts
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(UInt32(count))
        writer.write(bytes: bytes[...])
    }

    package init(from reader: inout WireReader) throws(WireError) {
        let count = Int(try reader.readUInt32("batch.count"))
        bytes = try reader.readBytes("batch.bytes")
        // Each record takes its 4-byte length at least: a forged count cannot reserve memory in `records`.
        guard count <= bytes.count / 4 else { throw .invalidValue(field: "batch.count", value: Int64(count)) }
        self.count = count
    }
}
