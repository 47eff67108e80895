import Foundation
import TestSupport
import Testing
@testable import Gateway

@Suite struct JSONReaderTests {
    /// Reads any value into a Foundation-comparable shape, to check against JSONSerialization.
    private static func read(_ reader: inout JSONReader) throws -> Any {
        switch reader.peek() {
        case .object:
            var object: [String: Any] = [:]
            try reader.readObject { reader, key in object[String(decoding: key, as: UTF8.self)] = try read(&reader) }
            return object
        case .array:
            var array: [Any] = []
            try reader.readArray { reader in array.append(try read(&reader)) }
            return array
        case .string:
            return try reader.readString() ?? ""
        case .null:
            _ = reader.readNull()
            return NSNull()
        case .number, .bool:
            try reader.skipValue()
            return "scalar"
        case nil:
            throw JSONReader.Failure.syntax(offset: -1)
        }
    }

    private func parse(_ text: String) throws -> Any {
        var reader = JSONReader(Array(text.utf8)[...])
        let value = try Self.read(&reader)
        try reader.expectEnd()
        return value
    }

    @Test(arguments: [
        #"{"a":"b"}"#, #"  { "a" : [ "x" , "y" ] , "b" : null }  "#, #"[]"#, #"{}"#, #""plain""#,
        #"{"n":[1,-0.5,2e10,1E-3,0,-12.75e+2],"t":true,"f":false}"#,
        #"{"nested":{"deeper":[{"k":["v"]}]}}"#,
    ])
    func acceptsValidJSON(_ text: String) throws {
        _ = try parse(text)
    }

    @Test(arguments: [
        #"{"a":"b""#, #"{"a" "b"}"#, #"{"a":}"#, #"{a:"b"}"#, #"["x",]"#, #"{"a":"b",}"#, #"[01]"#, #"[1.]"#, #"[-]"#, #"[1e]"#,
        #"["\x"]"#, #"["\u12"]"#, "[\"tab\tinside\"]", #"["\ud800"]"#, #"["\udc00"]"#, #"{"a":"b"} extra"#, #"[tru]"#, #"[nul]"#, "",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONReader.Failure.self) { try parse(text) }
    }

    @Test func decodesEveryEscapeIncludingSurrogatePairs() throws {
        let value = try parse(#""q\" b\\ s\/ \b\f\n\r\t \u00e9 \ud83d\ude00 \u0041""#) as? String
        #expect(value == "q\" b\\ s/ \u{08}\u{0C}\n\r\t é 😀 A")
    }

    @Test func refusesInvalidUTF8InAString() {
        var reader = JSONReader([0x22, 0xFF, 0x22][...])
        #expect(throws: JSONReader.Failure.self) { _ = try reader.readString() }
    }

    @Test func refusesNestingDeeperThanTheLimit() {
        let deep = String(repeating: "[", count: JSONReader.maxDepth + 1) + String(repeating: "]", count: JSONReader.maxDepth + 1)
        #expect(throws: JSONReader.Failure.tooDeep) { try parse(deep) }
        let ok = String(repeating: "[", count: JSONReader.maxDepth) + String(repeating: "]", count: JSONReader.maxDepth)
        #expect(throws: Never.self) { try parse(ok) }
    }

    @Test func readsStringsTheWayJSONSerializationDoes() throws {
        let text = #"{"name":"Zoë \"Z\" O'Neil","tags":["a","b\n"],"skip":{"x":[1,2,{"y":null}]},"email":"z@e.io"}"#
        let mine = try #require(try parse(text) as? [String: Any])
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(mine["name"] as? String == theirs["name"] as? String)
        #expect(mine["tags"] as? [String] == theirs["tags"] as? [String])
        #expect(mine["email"] as? String == theirs["email"] as? String)
    }

    @Test func everyTruncationOfAValidLineThrowsAndNeverCrashes() {
        let bytes = Array(#"{"_id":"aaaaaaaaaaaaaaaaaaaaaaa1","tags":["v\u00e9"],"conversations":[{"messages":[{"body":"hi"}]}]}"#.utf8)
        for length in 0..<bytes.count {
            var reader = JSONReader(bytes[0..<length])
            #expect(throws: (any Error).self, "truncated at \(length)") {
                _ = try Self.read(&reader)
                try reader.expectEnd()
            }
        }
    }

    @Test(arguments: 1...100 as ClosedRange<UInt64>)
    func randomBytesNeverCrashTheParser(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let alphabet = Array(#"{}[]",:\ u0123456789abcdefnulltruefalse-+.eE"#.utf8) + [0x00, 0xC3, 0xA9, 0xFF, 0x0A]
        let bytes = (0..<Int.random(in: 0...64, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
        var reader = JSONReader(bytes[...])
        _ = try? Self.read(&reader)
    }
}
