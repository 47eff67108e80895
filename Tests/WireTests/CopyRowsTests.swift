import Testing
@testable import PostgresDriver

/// COPY's text format, byte for byte: what a PostgreSQL shard sends for every imported row.
@Suite struct CopyRowsTests {
    private func text(_ build: (inout CopyRows) -> Void) -> String {
        var rows = CopyRows()
        build(&rows)
        return String(decoding: rows.bytes, as: UTF8.self)
    }

    @Test func separatesFieldsByTabsAndRowsByNewlines() {
        #expect(text { rows in
            rows.add("a")
            rows.add(Int64(1))
            rows.endRow()
            rows.add("b")
            rows.add(Int64(2))
            rows.endRow()
        } == "a\t1\nb\t2\n")
    }

    @Test func escapesEveryByteCopyReadsSpecially() {
        #expect(text { $0.add("tab\there\nline\rback\\slash") } == #"tab\there\nline\rback\\slash"#)
        #expect(text { $0.add("\\\\\t") } == #"\\\\\t"#)
        #expect(text { $0.add("Zoë 🦊, no escapes") } == "Zoë 🦊, no escapes")
        #expect(text { $0.add("") } == "")
    }

    @Test func writesNullsAsBackslashN() {
        #expect(text { rows in
            rows.add(nil as String?)
            rows.add(nil as Int64?)
        } == "\\N\t\\N")
    }

    @Test(arguments: [Int64.min, -1_000, -1, 0, 7, 1_767_607_200_000, Int64.max])
    func writesEveryIntegerAsItsDecimalText(_ number: Int64) {
        #expect(text { $0.add(number) } == String(number))
    }

    @Test func writesAnArrayAsItsLiteralEscapedAgain() {
        // The literal {"a\"b","c\\d"} escapes its backslashes once more as a COPY field.
        #expect(text { $0.add(array: ["a\"b", "c\\d"]) } == #"{"a\\"b","c\\\\d"}"#)
        #expect(text { $0.add(array: []) } == "{}")
    }

    @Test func writesBytesInHex() {
        #expect(text { $0.add(bytes: [0x00, 0x5C, 0xFF]) } == #"\\x005cff"#)
    }
}
