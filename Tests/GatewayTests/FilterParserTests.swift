import Foundation
import TestSupport
import Testing
import Wire

import WireRuntime
@testable import Gateway

// MARK: - Helpers

private let requester = "user-1"

/// A filter as the parser should build it for `requester`: the defaults, then `build`.
private func filter(_ build: (inout ContactFilter) -> Void = { _ in }) -> ContactFilter {
    var filter = ContactFilter()
    filter.requester = requester
    build(&filter)
    return filter
}

/// A filter on stage `s1`, then `build`.
private func staged(_ build: (inout ContactFilter) -> Void = { _ in }) -> ContactFilter {
    filter {
        $0.stageIds = ["s1"]
        build(&$0)
    }
}

private func parse(_ body: String) throws(APIError) -> ContactFilter {
    try FilterParser.parse(Array(body.utf8), requester: requester)
}

/// `{"stageIds":["s1"],"advancedParams":{<advanced>}}`.
private func advanced(_ advanced: String) -> String {
    "{\"stageIds\":[\"s1\"],\"advancedParams\":{\(advanced)}}"
}

/// A JSON array of `count` strings `prefix0`, `prefix1`, …
private func jsonStrings(_ count: Int, prefix: String = "v") -> String {
    "[" + (0..<count).map { "\"\(prefix)\($0)\"" }.joined(separator: ",") + "]"
}

private let jan5 = Int64(1_767_607_200_000)  // 2026-01-05T10:00:00Z
private let jan5Midnight = Int64(1_767_571_200_000)  // 2026-01-05T00:00:00Z

// MARK: - Cases

struct ValidFilterCase: Sendable, CustomTestStringConvertible {
    let name: String
    let body: String
    let expected: ContactFilter
    var testDescription: String { name }
}

/// What an invalid body must throw; `invalidFilter` names the key its message must mention.
enum ExpectedFilterError: Sendable, Equatable {
    case invalidBody
    case missingStageIds
    case invalidFilter(naming: String)
}

struct InvalidFilterCase: Sendable, CustomTestStringConvertible {
    let name: String
    let body: String
    let expected: ExpectedFilterError
    var testDescription: String { name }
}

private let validCases: [ValidFilterCase] = [
    .init(name: "one stage", body: #"{"stageIds":["s1"]}"#, expected: staged()),
    .init(
        name: "several stages, explicit Contact pipeline", body: #"{"stageIds":["s1","s2","s3"],"pipelineType":"Contact"}"#,
        expected: filter { $0.stageIds = ["s1", "s2", "s3"] }),
    .init(
        name: "application pipeline", body: #"{"stageIds":["s1"],"pipelineType":"Application"}"#,
        expected: staged { $0.pipeline = .application }),
    .init(name: "org-wide", body: #"{"orgWide":true}"#, expected: filter { $0.orgWide = true }),
    .init(
        name: "org-wide ignores stageIds", body: #"{"orgWide":true,"stageIds":["s1","s2"]}"#,
        expected: filter { $0.orgWide = true }),
    .init(name: "orgWide false with stages", body: #"{"orgWide":false,"stageIds":["s1"]}"#, expected: staged()),
    .init(name: "owned", body: #"{"stageIds":["s1"],"ownerFilter":"owned"}"#, expected: staged { $0.owner = .owned }),
    .init(name: "unowned", body: #"{"stageIds":["s1"],"ownerFilter":"unowned"}"#, expected: staged { $0.owner = .unowned }),
    .init(name: "mine", body: #"{"stageIds":["s1"],"ownerFilter":"mine"}"#, expected: staged { $0.owner = .mine }),
    .init(
        name: "nulls are absent",
        body: #"{"stageIds":["s1"],"pipelineType":null,"orgWide":null,"ownerFilter":null,"advancedParams":null}"#,
        expected: staged()),
    .init(
        name: "null stageIds with orgWide", body: #"{"orgWide":true,"stageIds":null}"#, expected: filter { $0.orgWide = true }),
    .init(name: "empty advancedParams", body: advanced(""), expected: staged()),
    .init(
        name: "null advancedParams values are absent",
        body: advanced(
            #""createdAfter":null,"createdBefore":null,"updatedAfter":null,"updatedBefore":null,"tags":null,"#
                + #""tagsAll":null,"source":null,"assignedTo":null,"search":null"#),
        expected: staged()),
    .init(
        name: "createdAfter in UTC", body: advanced(#""createdAfter":"2026-01-05T10:00:00Z""#),
        expected: staged { $0.createdAfter = jan5 }),
    .init(
        name: "createdBefore with milliseconds", body: advanced(#""createdBefore":"2026-01-05T10:00:00.250Z""#),
        expected: staged { $0.createdBefore = jan5 + 250 }),
    .init(
        name: "updatedAfter with an offset", body: advanced(#""updatedAfter":"2026-01-05T12:00:00.000+02:00""#),
        expected: staged { $0.updatedAfter = jan5 }),
    .init(
        name: "updatedBefore as a date", body: advanced(#""updatedBefore":"2026-01-05""#),
        expected: staged { $0.updatedBefore = jan5Midnight }),
    .init(
        name: "created and updated windows",
        body: advanced(
            #""createdAfter":"2026-01-05","createdBefore":"2026-01-05T10:00:00Z","#
                + #""updatedAfter":"2026-01-05T05:00:00-05:00","updatedBefore":"2026-01-06""#),
        expected: staged {
            $0.createdAfter = jan5Midnight
            $0.createdBefore = jan5
            $0.updatedAfter = jan5
            $0.updatedBefore = jan5Midnight + 86_400_000
        }),
    .init(name: "tags any", body: advanced(#""tags":["vip","lead"]"#), expected: staged { $0.tagsAny = ["vip", "lead"] }),
    .init(name: "tags all", body: advanced(#""tagsAll":["vip","vip"]"#), expected: staged { $0.tagsAll = ["vip", "vip"] }),
    .init(name: "empty tag lists mean no constraint", body: advanced(#""tags":[],"tagsAll":[]"#), expected: staged()),
    .init(name: "source", body: advanced(#""source":"webchat""#), expected: staged { $0.source = "webchat" }),
    .init(
        name: "assignedTo", body: advanced(#""assignedTo":["user-1","user-2"]"#),
        expected: staged { $0.assignedTo = ["user-1", "user-2"] }),
    .init(name: "empty assignedTo is kept", body: advanced(#""assignedTo":[]"#), expected: staged { $0.assignedTo = [] }),
    .init(name: "search", body: advanced(#""search":"Ada%_\\""#), expected: staged { $0.search = #"Ada%_\"# }),
    .init(name: "empty search is no constraint", body: advanced(#""search":"""#), expected: staged()),
    .init(
        name: "non-ASCII values", body: #"{"stageIds":["étape"],"advancedParams":{"search":"Émile","tags":["日本"]}}"#,
        expected: filter {
            $0.stageIds = ["étape"]
            $0.search = "Émile"
            $0.tagsAny = ["日本"]
        }),
    .init(
        name: "unknown top-level keys are ignored",
        body: #"{"stageIds":["s1"],"expectedCount":12,"dryRun":true,"sort":{"x":1},"limit":"5"}"#,
        expected: staged()),
    .init(
        name: "everything at once",
        body: #"""
            {"stageIds":["s1","s2"],"pipelineType":"Application","orgWide":false,"ownerFilter":"mine",
             "advancedParams":{"createdAfter":"2026-01-05T10:00:00Z","createdBefore":"2026-01-06",
               "updatedAfter":"2026-01-05","updatedBefore":"2026-01-05T11:00:00+01:00",
               "tags":["a","b"],"tagsAll":["c"],"source":"sms","assignedTo":["user-1"],"search":"ada"}}
            """#,
        expected: filter {
            $0.stageIds = ["s1", "s2"]
            $0.pipeline = .application
            $0.owner = .mine
            $0.createdAfter = jan5
            $0.createdBefore = jan5Midnight + 86_400_000
            $0.updatedAfter = jan5Midnight
            $0.updatedBefore = jan5
            $0.tagsAny = ["a", "b"]
            $0.tagsAll = ["c"]
            $0.source = "sms"
            $0.assignedTo = ["user-1"]
            $0.search = "ada"
        }),
    .init(
        name: "org-wide, unowned, with a window",
        body: #"{"orgWide":true,"ownerFilter":"unowned","advancedParams":{"createdAfter":"2026-01-05"}}"#,
        expected: filter {
            $0.orgWide = true
            $0.owner = .unowned
            $0.createdAfter = jan5Midnight
        }),
    .init(
        name: "arrays at their limit",
        body: "{\"stageIds\":\(jsonStrings(1000)),\"advancedParams\":{\"tags\":\(jsonStrings(1000)),"
            + "\"tagsAll\":\(jsonStrings(1000)),\"assignedTo\":\(jsonStrings(1000))}}",
        expected: filter {
            let values = (0..<1000).map { "v\($0)" }
            $0.stageIds = values
            $0.tagsAny = values
            $0.tagsAll = values
            $0.assignedTo = values
        }),
    .init(
        name: "search at its limit", body: advanced("\"search\":\"\(String(repeating: "é", count: 256))\""),
        expected: staged { $0.search = String(repeating: "é", count: 256) }),
    .init(
        name: "a source at its limit, counted in characters as the OpenAPI document's maxLength counts",
        body: advanced("\"source\":\"\(String(repeating: "é", count: 256))\""),
        expected: staged { $0.source = String(repeating: "é", count: 256) }),
]

private let invalidCases: [InvalidFilterCase] = {
    var cases: [InvalidFilterCase] = [
        // The body itself.
        .init(name: "not JSON", body: "stageIds=s1", expected: .invalidBody),
        .init(name: "empty body", body: "", expected: .invalidBody),
        .init(name: "truncated JSON", body: #"{"stageIds":["s1"]"#, expected: .invalidBody),
        .init(name: "trailing garbage", body: #"{"stageIds":["s1"]} x"#, expected: .invalidBody),
        .init(name: "JSON array body", body: #"[{"stageIds":["s1"]}]"#, expected: .invalidBody),
        .init(name: "JSON string body", body: #""s1""#, expected: .invalidBody),
        .init(name: "JSON number body", body: "3", expected: .invalidBody),
        .init(name: "JSON null body", body: "null", expected: .invalidBody),
        // Strict RFC 8259: what lenient parsers let through.
        .init(name: "trailing comma in the object", body: #"{"stageIds":["none"],}"#, expected: .invalidBody),
        .init(name: "trailing comma in an array", body: #"{"stageIds":["s1",]}"#, expected: .invalidBody),
        .init(name: "byte order mark", body: "\u{FEFF}{\"stageIds\":[\"s1\"]}", expected: .invalidBody),
        .init(name: "a comment", body: #"{"stageIds":["s1"] /* all */}"#, expected: .invalidBody),
        .init(name: "single quotes", body: "{'stageIds':['s1']}", expected: .invalidBody),
        .init(name: "a duplicate key", body: #"{"stageIds":["s1"],"stageIds":["s2"]}"#, expected: .invalidBody),
        .init(name: "a duplicate key inside advancedParams", body: advanced(#""source":"a","source":"b""#), expected: .invalidBody),
        .init(name: "a leading zero", body: #"{"stageIds":["s1"],"expectedCount":01}"#, expected: .invalidBody),
        .init(name: "NaN", body: #"{"stageIds":["s1"],"expectedCount":NaN}"#, expected: .invalidBody),
        .init(name: "a raw newline in a string", body: "{\"stageIds\":[\"s\n1\"]}", expected: .invalidBody),
        .init(name: "a lone surrogate", body: #"{"stageIds":["\uD800"]}"#, expected: .invalidBody),
        .init(name: "two objects", body: #"{"stageIds":["s1"]}{"orgWide":true}"#, expected: .invalidBody),
        // The original API's 400.
        .init(name: "empty object", body: "{}", expected: .missingStageIds),
        .init(name: "empty stageIds", body: #"{"stageIds":[]}"#, expected: .missingStageIds),
        .init(name: "null stageIds", body: #"{"stageIds":null}"#, expected: .missingStageIds),
        .init(name: "orgWide false without stages", body: #"{"orgWide":false}"#, expected: .missingStageIds),
        .init(name: "orgWide false with empty stages", body: #"{"orgWide":false,"stageIds":[]}"#, expected: .missingStageIds),
        .init(name: "only advancedParams", body: #"{"advancedParams":{"source":"sms"}}"#, expected: .missingStageIds),
        // stageIds.
        .init(name: "stageIds a string", body: #"{"stageIds":"s1"}"#, expected: .invalidFilter(naming: "stageIds")),
        .init(name: "stageIds an object", body: #"{"stageIds":{"0":"s1"}}"#, expected: .invalidFilter(naming: "stageIds")),
        .init(name: "stageIds a number element", body: #"{"stageIds":["s1",2]}"#, expected: .invalidFilter(naming: "stageIds[1]")),
        .init(name: "stageIds a null element", body: #"{"stageIds":[null]}"#, expected: .invalidFilter(naming: "stageIds[0]")),
        .init(name: "stageIds an empty string", body: #"{"stageIds":["s1",""]}"#, expected: .invalidFilter(naming: "stageIds[1]")),
        .init(name: "stageIds a nested array", body: #"{"stageIds":[["s1"]]}"#, expected: .invalidFilter(naming: "stageIds[0]")),
        .init(
            name: "malformed stageIds with orgWide", body: #"{"orgWide":true,"stageIds":[1]}"#,
            expected: .invalidFilter(naming: "stageIds[0]")),
        .init(name: "stageIds with a NUL", body: #"{"stageIds":["s1\u0000x"]}"#, expected: .invalidFilter(naming: "stageIds[0]")),
        .init(
            name: "source with a NUL", body: advanced(#""source":"sms\u0000""#), expected: .invalidFilter(naming: "advancedParams.source")),
        .init(
            name: "tags with a NUL", body: advanced(#""tags":["a","\u0000"]"#), expected: .invalidFilter(naming: "advancedParams.tags[1]")),
        .init(name: "search with a NUL", body: advanced(#""search":"a\u0000""#), expected: .invalidFilter(naming: "advancedParams.search")),
        // orgWide.
        .init(name: "orgWide as a string", body: #"{"orgWide":"true"}"#, expected: .invalidFilter(naming: "orgWide")),
        .init(name: "orgWide as a number", body: #"{"orgWide":1}"#, expected: .invalidFilter(naming: "orgWide")),
        .init(name: "orgWide 0 with stages", body: #"{"orgWide":0,"stageIds":["s1"]}"#, expected: .invalidFilter(naming: "orgWide")),
        .init(name: "orgWide as an array", body: #"{"orgWide":[true]}"#, expected: .invalidFilter(naming: "orgWide")),
        // pipelineType.
        .init(
            name: "pipelineType lower case", body: #"{"stageIds":["s1"],"pipelineType":"contact"}"#,
            expected: .invalidFilter(naming: "pipelineType")),
        .init(
            name: "pipelineType unknown", body: #"{"stageIds":["s1"],"pipelineType":"Lead"}"#,
            expected: .invalidFilter(naming: "pipelineType")),
        .init(
            name: "pipelineType empty", body: #"{"stageIds":["s1"],"pipelineType":""}"#, expected: .invalidFilter(naming: "pipelineType")),
        .init(
            name: "pipelineType a number", body: #"{"stageIds":["s1"],"pipelineType":1}"#, expected: .invalidFilter(naming: "pipelineType")),
        // ownerFilter.
        .init(name: "ownerFilter all", body: #"{"stageIds":["s1"],"ownerFilter":"all"}"#, expected: .invalidFilter(naming: "ownerFilter")),
        .init(name: "ownerFilter empty", body: #"{"stageIds":["s1"],"ownerFilter":""}"#, expected: .invalidFilter(naming: "ownerFilter")),
        .init(
            name: "ownerFilter upper case", body: #"{"stageIds":["s1"],"ownerFilter":"OWNED"}"#,
            expected: .invalidFilter(naming: "ownerFilter")),
        .init(
            name: "ownerFilter a boolean", body: #"{"stageIds":["s1"],"ownerFilter":true}"#, expected: .invalidFilter(naming: "ownerFilter")
        ),
        // advancedParams itself.
        .init(
            name: "advancedParams an array", body: #"{"stageIds":["s1"],"advancedParams":[]}"#,
            expected: .invalidFilter(naming: "advancedParams")),
        .init(
            name: "advancedParams a string", body: #"{"stageIds":["s1"],"advancedParams":"x"}"#,
            expected: .invalidFilter(naming: "advancedParams")),
        .init(
            name: "advancedParams false", body: #"{"stageIds":["s1"],"advancedParams":false}"#,
            expected: .invalidFilter(naming: "advancedParams")),
        // Unknown advancedParams keys.
        .init(
            name: "typo createdAfer", body: advanced(#""createdAfer":"2026-01-05""#),
            expected: .invalidFilter(naming: "advancedParams.createdAfer")),
        .init(name: "wrong case Tags", body: advanced(#""Tags":["vip"]"#), expected: .invalidFilter(naming: "advancedParams.Tags")),
        .init(
            name: "top-level key inside advancedParams", body: advanced(#""stageIds":["s2"]"#),
            expected: .invalidFilter(naming: "advancedParams.stageIds")),
        .init(
            name: "unknown key with a null value", body: advanced(#""tagsAny":null"#),
            expected: .invalidFilter(naming: "advancedParams.tagsAny")),
        .init(
            name: "unknown key beside valid ones", body: advanced(#""source":"sms","sourc":"sms""#),
            expected: .invalidFilter(naming: "advancedParams.sourc")),
        // Limits.
        .init(name: "1001 stageIds", body: "{\"stageIds\":\(jsonStrings(1001))}", expected: .invalidFilter(naming: "stageIds")),
        .init(
            name: "1001 stageIds with orgWide", body: "{\"orgWide\":true,\"stageIds\":\(jsonStrings(1001))}",
            expected: .invalidFilter(naming: "stageIds")),
        .init(name: "1001 tags", body: advanced("\"tags\":\(jsonStrings(1001))"), expected: .invalidFilter(naming: "advancedParams.tags")),
        .init(
            name: "1001 tagsAll", body: advanced("\"tagsAll\":\(jsonStrings(1001))"),
            expected: .invalidFilter(naming: "advancedParams.tagsAll")),
        .init(
            name: "1001 assignees", body: advanced("\"assignedTo\":\(jsonStrings(1001))"),
            expected: .invalidFilter(naming: "advancedParams.assignedTo")),
        .init(
            name: "a 257-character stage id", body: "{\"stageIds\":[\"\(String(repeating: "s", count: 257))\"]}",
            expected: .invalidFilter(naming: "stageIds[0]")),
        .init(
            name: "a 257-character source", body: advanced("\"source\":\"\(String(repeating: "é", count: 257))\""),
            expected: .invalidFilter(naming: "advancedParams.source")),
        .init(
            name: "a 257-character tag", body: advanced("\"tagsAll\":[\"x\",\"\(String(repeating: "t", count: 257))\"]"),
            expected: .invalidFilter(naming: "advancedParams.tagsAll[1]")),
        .init(
            name: "257-character search", body: advanced("\"search\":\"\(String(repeating: "a", count: 257))\""),
            expected: .invalidFilter(naming: "advancedParams.search")),
    ]

    // Every advancedParams key with every JSON type it does not take.
    let values = ["string": #""x""#, "number": "5", "boolean": "true", "array": #"["x"]"#, "object": #"{"x":"y"}"#]
    let wrongTypes: [(key: String, types: [String])] = [
        ("createdAfter", ["number", "boolean", "array", "object"]),
        ("createdBefore", ["number", "boolean", "array", "object"]),
        ("updatedAfter", ["number", "boolean", "array", "object"]),
        ("updatedBefore", ["number", "boolean", "array", "object"]),
        ("tags", ["string", "number", "boolean", "object"]),
        ("tagsAll", ["string", "number", "boolean", "object"]),
        ("source", ["number", "boolean", "array", "object"]),
        ("assignedTo", ["string", "number", "boolean", "object"]),
        ("search", ["number", "boolean", "array", "object"]),
    ]
    for (key, types) in wrongTypes {
        for type in types {
            cases.append(
                .init(
                    name: "\(key) as a \(type)", body: advanced("\"\(key)\":\(values[type]!)"),
                    expected: .invalidFilter(naming: "advancedParams.\(key)")))
        }
    }
    // Arrays of strings with an element of another type.
    for key in ["tags", "tagsAll", "assignedTo"] {
        for element in ["1", "true", "null", #"["x"]"#, #"{"x":"y"}"#] {
            cases.append(
                .init(
                    name: "\(key) with element \(element)", body: advanced("\"\(key)\":[\"ok\",\(element)]"),
                    expected: .invalidFilter(naming: "advancedParams.\(key)[1]")))
        }
    }
    // Strings that are not the dates we accept.
    let badDates = [
        "yesterday", "", "2026-13-01", "2026-00-10", "2026-02-30", "2025-02-29", "2026-01-32", "2026-1-5", "26-01-05", "2026/01/05",
        "2026-01-05T10:00:00", "2026-01-05T10:00", "2026-01-05T24:00:00Z", "2026-01-05T10:60:00Z", "2026-01-05T10:00:60Z",
        "2026-01-05 10:00:00Z", "2026-01-05T10:00:00.Z", "2026-01-05T10:00:00.1234567891Z", "2026-01-05T10:00:00+2:00",
        "2026-01-05T10:00:00+02", "2026-01-05T10:00:00+24:00", "2026-01-05T10:00:00+02:60", "2026-01-05T10:00:00ZZ",
        "2026-01-05T", "2026-01-05Z", "1767607200000", " 2026-01-05", "2026-01-05 ", "２０２６-01-05",
    ]
    for date in badDates {
        cases.append(
            .init(
                name: "createdAfter \(JSONText.quoted(date))", body: advanced("\"createdAfter\":\(JSONText.quoted(date))"),
                expected: .invalidFilter(naming: "advancedParams.createdAfter")))
    }
    return cases
}()

// MARK: - Tests

@Suite struct FilterParserTests {
    @Test(arguments: validCases)
    func parsesValidFilter(_ testCase: ValidFilterCase) throws {
        #expect(try parse(testCase.body) == testCase.expected)
    }

    /// What a job shows is the filter as parsed: rendered, it parses back the same, whatever the body looked like.
    @Test(arguments: validCases)
    func theRenderedFilterParsesBackTheSame(_ testCase: ValidFilterCase) throws {
        let rendered = FilterJSON.render(testCase.expected)
        #expect(try parse(rendered) == testCase.expected, "\(rendered)")
        #expect(!rendered.contains("sort") && !rendered.contains("limit"), "\(rendered)")
    }

    @Test func aJobNeverShowsTheRawBody() throws {
        let padding = String(repeating: "x", count: 100_000)
        let filter = try parse("{ \"stageIds\" : [\"s1\"], \"note\": \"\(padding)\" }")
        #expect(FilterJSON.render(filter) == #"{"pipelineType":"Contact","stageIds":["s1"]}"#)
    }

    @Test(arguments: invalidCases)
    func refusesInvalidFilter(_ testCase: InvalidFilterCase) {
        do {
            let filter = try parse(testCase.body)
            Issue.record("accepted \(testCase.body.prefix(200)) as \(filter)")
        } catch {
            switch (error, testCase.expected) {
            case (.invalidBody, .invalidBody), (.missingStageIds, .missingStageIds):
                break
            case (.invalidFilter(let message), .invalidFilter(let key)):
                // The key must be named as a whole word, not as the prefix of a longer one.
                #expect(message.hasPrefix(key + " "), "message \(message) does not start with \(key)")
            default:
                Issue.record("expected \(testCase.expected), got \(error)")
            }
        }
    }

    @Test(arguments: [
        ("dryrun", "dryRun"), ("advancedparams", "advancedParams"), ("ownerfilter", "ownerFilter"), ("stageids", "stageIds"),
        ("StageIds", "stageIds"), ("expectedcount", "expectedCount"), ("orgwide", "orgWide"), ("pipelinetype", "pipelineType"),
        ("dryRn", "dryRun"), ("advancedParam", "advancedParams"), ("stageId", "stageIds"), ("ownerFiltr", "ownerFilter"), ("stageIdz", "stageIds"),
        ("dry_run", "dryRun"), ("dry-run", "dryRun"), ("permanant", "permanent"), ("Permanent", "permanent"), ("permanently", "permanent"),
    ])
    func aNearMissOfAFilterKeyIsRefusedNamingTheIntendedOne(typed: String, intended: String) {
        let error = #expect(throws: APIError.self) { try parse("{\"stageIds\":[\"s1\"],\"\(typed)\":true}") }
        guard case .invalidFilter(let message)? = error else {
            Issue.record("expected invalidFilter for \(typed), got \(String(describing: error))")
            return
        }
        #expect(message.hasPrefix("unknown key \"\(typed)\": did you mean \"\(intended)\"?"), "\(message)")
    }

    /// The message a refused top-level `key` (holding `value`) gets.
    private func refusal(of key: String, value: String = "true") -> String? {
        let error = #expect(throws: APIError.self) { try parse("{\"stageIds\":[\"s1\"],\"\(key)\":\(value)}") }
        guard case .invalidFilter(let message)? = error else {
            Issue.record("expected invalidFilter for \(key), got \(String(describing: error))")
            return nil
        }
        return message
    }

    /// `{"stageIds":[S],"tags":["vip"]}` counted, and deleted, the whole stage: a condition at the
    /// top level is refused, also in another case or spelling, naming where it belongs.
    @Test(arguments: [
        ("tags", "tags"), ("tagsAll", "tagsAll"), ("source", "source"), ("search", "search"), ("assignedTo", "assignedTo"),
        ("createdAfter", "createdAfter"), ("createdBefore", "createdBefore"), ("updatedAfter", "updatedAfter"),
        ("updatedBefore", "updatedBefore"), ("Tags", "tags"), ("created_before", "createdBefore"), ("ASSIGNED-TO", "assignedTo"),
        ("tag", "tags"), ("sources", "source"), ("createdBefor", "createdBefore"),
    ])
    func aConditionAtTheTopLevelIsRefusedNamingItsPlaceInAdvancedParams(typed: String, intended: String) {
        let message = refusal(of: typed, value: #"["vip"]"#)
        #expect(message?.hasPrefix("unknown key \"\(typed)\": did you mean advancedParams.\(intended)?") == true, "\(message ?? "")")
    }

    /// Ignored, `{"stageIds":[S],"preview":true}` would answer 202 and delete the stage.
    @Test(arguments: ["preview", "simulate", "test", "validateOnly", "whatIf", "Preview", "validate_only", "what-if", "TEST"])
    func anotherAPIsNameForAPreviewIsRefusedNamingDryRun(typed: String) {
        let message = refusal(of: typed)
        #expect(message?.hasPrefix("unknown key \"\(typed)\": did you mean dryRun?") == true, "\(message ?? "")")
    }

    @Test(arguments: ["advanced", "filters", "filter", "where", "query", "criteria", "Filters", "WHERE"])
    func anotherAPIsNameForTheConditionsIsRefusedNamingAdvancedParams(typed: String) {
        let message = refusal(of: typed, value: #"{"tags":["vip"]}"#)
        #expect(message?.hasPrefix("unknown key \"\(typed)\": did you mean advancedParams?") == true, "\(message ?? "")")
    }

    @Test func ownerIsRefusedNamingOwnerFilter() {
        let message = refusal(of: "owner", value: #""mine""#)
        #expect(message?.hasPrefix("unknown key \"owner\": did you mean ownerFilter?") == true, "\(message ?? "")")
    }

    @Test(arguments: ["note", "requestedBy", "jobName", "x", "page", "sort", "limit", "tests", "previews", "reason"])
    func otherUnknownTopLevelKeysAreStillIgnored(key: String) throws {
        #expect(try parse("{\"stageIds\":[\"s1\"],\"\(key)\":1}") == staged())
    }

    @Test func theIgnoredKeysAreListedSortedWithoutTheFiltersOrTheGuards() throws {
        let body = try FilterParser.object(Array(
            #"{"stageIds":["s1"],"sort":1,"dryRun":true,"note":"x","expectedCount":3,"requestsPerSecond":5,"advancedParams":{},"Jobname":null,"permanent":true}"#
                .utf8))
        #expect(try TopLevelKeys.ignored(in: body) == ["Jobname", "note", "sort"])
        #expect(try TopLevelKeys.ignored(in: try FilterParser.object(Array(#"{"orgWide":true}"#.utf8))) == [])
    }

    /// A job lists its ignored keys for a day: a body cannot make that list large.
    @Test func moreOrLongerIgnoredKeysThanAJobListsAreRefusedNamingTheLimit() throws {
        func object(_ keys: [String]) -> [String: JSONValue] {
            Dictionary(uniqueKeysWithValues: [("stageIds", JSONValue.array([.string("s1")]))] + keys.map { ($0, JSONValue.null) })
        }
        let most = (0..<TopLevelKeys.maxIgnored).map { "k\($0)" }
        #expect(try TopLevelKeys.ignored(in: object(most)).count == TopLevelKeys.maxIgnored)
        let tooMany = #expect(throws: APIError.self) { try TopLevelKeys.ignored(in: object(most + ["k99"])) }
        guard case .invalidFilter(let many)? = tooMany else {
            Issue.record("expected invalidFilter, got \(String(describing: tooMany))")
            return
        }
        #expect(many.contains("33 top-level keys") && many.contains("limit of \(TopLevelKeys.maxIgnored)"), "\(many)")

        let longest = String(repeating: "k", count: TopLevelKeys.maxIgnoredLength)
        #expect(try TopLevelKeys.ignored(in: object([longest])) == [longest])
        let tooLong = #expect(throws: APIError.self) { try TopLevelKeys.ignored(in: object([longest + "k"])) }
        guard case .invalidFilter(let long)? = tooLong else {
            Issue.record("expected invalidFilter, got \(String(describing: tooLong))")
            return
        }
        #expect(long.contains("limit of \(TopLevelKeys.maxIgnoredLength)"), "\(long)")
    }

    @Test func namesAnUnknownKeyAndListsTheKnownOnes() {
        let expected = APIError.invalidFilter(
            "advancedParams.createdAfer is not a known filter key; known keys: createdAfter, createdBefore, updatedAfter, "
                + "updatedBefore, tags, tagsAll, source, assignedTo, search")
        #expect(throws: expected) { try parse(advanced(#""createdAfer":"2026-01-05T10:00:00Z""#)) }
    }

    @Test func namesTheLimitInTheMessage() throws {
        let error = #expect(throws: APIError.self) { try parse("{\"stageIds\":\(jsonStrings(1001))}") }
        guard case .invalidFilter(let message)? = error else {
            Issue.record("expected invalidFilter, got \(String(describing: error))")
            return
        }
        #expect(message.contains("1001") && message.contains("\(FilterParser.maxArrayEntries)"))
    }

    /// A job keeps its filter for a day and shows it in every list: the largest filter the
    /// parser takes is bounded, whatever the body held.
    @Test func aFilterOverItsSizeLimitIsRefusedAndOneJustUnderIsKept() throws {
        let stage = String(repeating: "s", count: FilterParser.maxStringLength - 4)
        func body(_ count: Int) -> String { "{\"stageIds\":" + jsonStrings(count, prefix: stage) + "}" }
        let fits = try parse(body(200))
        #expect(FilterJSON.render(fits).utf8.count <= FilterParser.maxFilterBytes)
        let error = #expect(throws: APIError.self) { try parse(body(FilterParser.maxArrayEntries)) }
        guard case .invalidFilter(let message)? = error else {
            Issue.record("expected invalidFilter, got \(String(describing: error))")
            return
        }
        #expect(message.contains("limit of \(FilterParser.maxFilterBytes)"), "\(message)")
    }

    @Test func aBodyThatIsNotStrictJSONIsRefusedSayingWhereAndWhy() {
        let cases: [(body: [UInt8], says: String)] = [
            (Array(#"{"stageIds":["none"],}"#.utf8), "unexpected '}' at byte 21"),
            ([0xEF, 0xBB, 0xBF] + Array(#"{"stageIds":["s1"]}"#.utf8), "byte order mark"),
            (Array(#"{"stageIds":["s1"]}"#.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }), "UTF-16 or UTF-32"),
            (Array(#"{"a":1,"a":2}"#.utf8), "the key \"a\" appears twice"),
            (Array("  ".utf8), "it is empty"),
            (Array(repeating: UInt8(ascii: "["), count: 100), "deeper than 64 levels"),
        ]
        for (body, says) in cases {
            let error = #expect(throws: APIError.self) { try FilterParser.parse(body, requester: requester) }
            guard case .invalidBody(let message)? = error else {
                Issue.record("expected invalidBody, got \(String(describing: error))")
                continue
            }
            #expect(message.contains(says) && message.hasPrefix("The body is not strict JSON"), "\(message)")
        }
    }

    @Test func theGuardsAndTheThrottleAreReadFromTheSameParse() throws {
        let body = try FilterParser.object(Array(#"{"stageIds":["s1"],"dryRun":true,"expectedCount":1.2e1,"requestsPerSecond":250.5}"#.utf8))
        #expect(try DeleteOptions(in: body) == DeleteOptions(dryRun: true, expectedCount: 12, requestsPerSecond: 250.5))
        let unthrottled = try FilterParser.object(Array(#"{"stageIds":["s1"],"requestsPerSecond":-1}"#.utf8))
        #expect(try DeleteOptions(in: unthrottled) == DeleteOptions())
        for bad in [#"{"dryRun":"yes"}"#, #"{"dryRun":1}"#, #"{"expectedCount":-1}"#, #"{"expectedCount":1.5}"#, #"{"expectedCount":true}"#,
                    #"{"expectedCount":"3"}"#, #"{"expectedCount":1e30}"#, #"{"requestsPerSecond":0}"#, #"{"requestsPerSecond":-2}"#,
                    #"{"requestsPerSecond":"100"}"#, #"{"requestsPerSecond":1e400}"#, #"{"requestsPerSecond":20000000}"#] {
            #expect(throws: APIError.self, "\(bad)") { try DeleteOptions(in: try FilterParser.object(Array(bad.utf8))) }
        }
    }

    /// A delete keeps what it deletes unless its body says `"permanent": true`, read strictly:
    /// `"false"` or `0` could be meant either way, and either reading would be a surprise.
    @Test func permanentIsAStrictBooleanAndFalseWhenAbsentOrNull() throws {
        func options(_ body: String) throws -> DeleteOptions { try DeleteOptions(in: try FilterParser.object(Array(body.utf8))) }
        #expect(try options(#"{"orgWide":true,"permanent":true}"#) == DeleteOptions(permanent: true))
        #expect(try options(#"{"orgWide":true,"permanent":false}"#) == DeleteOptions())
        #expect(try options(#"{"orgWide":true,"permanent":null}"#) == DeleteOptions())
        #expect(try options(#"{"orgWide":true}"#).permanent == false)
        for (bad, described) in [(#""true""#, #"a string ("true")"#), ("1", "a number (1)"), (#""false""#, #"a string ("false")"#), ("{}", "an object")] {
            #expect(throws: APIError.invalidBody("permanent must be true or false, got \(described).")) {
                try options("{\"orgWide\":true,\"permanent\":\(bad)}")
            }
        }
    }

    /// A job accepted at 5e-324 records per second would hold its shards' turns for ever.
    @Test(arguments: ["5e-324", "0.5", "0.999", "1e-9"])
    func aThrottleUnderOneRecordPerSecondIsRefusedSayingTheMinimum(rate: String) throws {
        let expected = APIError.invalidBody(
            "requestsPerSecond must be a number of records per second from 1 to 10000000, or -1 for no throttle, got \(rate).")
        #expect(throws: expected) { try DeleteOptions(in: try FilterParser.object(Array("{\"requestsPerSecond\":\(rate)}".utf8))) }
        // rethrottle's query parameter reads the same way.
        #expect(Throttle.requestsPerSecond(rate) == nil)
    }

    @Test func theSlowestThrottleIsOneRecordPerSecond() throws {
        let body = try FilterParser.object(Array(#"{"requestsPerSecond":1}"#.utf8))
        #expect(try DeleteOptions(in: body).requestsPerSecond == Throttle.minimum)
        #expect(Throttle.requestsPerSecond("1.0") == .some(1))
    }

    @Test func keepsTheRequesterForMine() throws {
        let filter = try FilterParser.parse(Array(#"{"stageIds":["s1"],"ownerFilter":"mine"}"#.utf8), requester: "user-42")
        #expect(filter.owner == .mine && filter.requester == "user-42")
    }

    @Test func refusesMineWithoutARequester() {
        #expect(throws: APIError.self) {
            try FilterParser.parse(Array(#"{"stageIds":["s1"],"ownerFilter":"mine"}"#.utf8), requester: "")
        }
    }

    @Test func missingStageIdsAnswersTheSeedsBadRequest() {
        let response = APIError.missingStageIds.response
        #expect(response.status == 400)
    }

    // MARK: ISO 8601

    @Test(arguments: [
        ("2026-01-05T10:00:00Z", jan5),
        ("2026-01-05T10:00:00.000Z", jan5),
        ("2026-01-05T10:00:00.123Z", jan5 + 123),
        ("2026-01-05T10:00:00.1Z", jan5 + 100),
        ("2026-01-05T10:00:00.123456789Z", jan5 + 124),
        ("2026-01-05T10:00:00.0001Z", jan5 + 1),
        ("2026-01-05T10:00:00.999999Z", jan5 + 1000),
        ("2026-01-05t10:00:00z", jan5),
        ("2026-01-05T10:00Z", jan5),
        ("2026-01-05T12:00:00+02:00", jan5),
        ("2026-01-05T12:00:00+0200", jan5),
        ("2026-01-05T05:30:00-04:30", jan5),
        ("2026-01-05T10:00:00-00:00", jan5),
        ("2026-01-06T09:00:00+23:00", jan5),
        ("2026-01-05", jan5Midnight),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59.999Z", -1),
        ("2024-02-29", 1_709_164_800_000),
        ("2000-03-01", 951_868_800_000),
        ("1900-03-01", -2_203_891_200_000),
    ])
    func readsISO8601(_ text: String, _ expected: Int64) {
        #expect(ISO8601.milliseconds(from: text) == expected)
    }

    @Test func agreesWithFoundationsCalendarOnRandomDates() {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!  // UTC always exists.
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        for _ in 0..<2000 {
            let year = Int.random(in: 1600...2400, using: &generator)
            let month = Int.random(in: 1...12, using: &generator)
            let day = Int.random(in: 1...28, using: &generator)
            let hour = Int.random(in: 0...23, using: &generator)
            let minute = Int.random(in: 0...59, using: &generator)
            let second = Int.random(in: 0...59, using: &generator)
            let millisecond = Int.random(in: 0...999, using: &generator)
            let offset = Int.random(in: -(14 * 60)...(14 * 60), using: &generator)
            let zone = offset == 0 ? "Z" : (offset < 0 ? "-" : "+") + pad(abs(offset) / 60, 2) + ":" + pad(abs(offset) % 60, 2)
            let text =
                "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(millisecond, 3))\(zone)"
            let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
            let date = calendar.date(from: components)!  // Every field is in range.
            let expected = Int64(date.timeIntervalSince1970.rounded()) * 1000 + Int64(millisecond) - Int64(offset) * 60_000
            let actual = ISO8601.milliseconds(from: text)
            #expect(actual == expected, "\(text) (seed \(seed))")
            if actual != expected { return }
        }
    }
}
