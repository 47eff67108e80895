import Foundation
import Testing
@testable import Wire

@Suite struct LogTests {
    private func line(_ format: Log.Format, message: String = "listening", job: String? = nil) -> String {
        Log.line(format: format, time: "2026-12-01T10:00:00.000Z", process: "shard-1", pid: 42, level: .warning, message: message, job: job)
    }

    @Test func textIsTimeProcessPidLevelAndMessage() {
        #expect(line(.text, job: "j1") == "2026-12-01T10:00:00.000Z shard-1[42] warning: listening\n")
    }

    @Test func jsonIsOneObjectPerLineWithTheJobWhereThereIsOne() throws {
        let withJob = line(.json, message: "a \"quoted\"\nsecond line\t\u{1}", job: "j1")
        #expect(withJob.hasSuffix("}\n"))
        #expect(withJob.dropLast().contains("\n") == false, "one line per entry, whatever the message holds")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(withJob.utf8)) as? [String: Any])
        #expect(object["time"] as? String == "2026-12-01T10:00:00.000Z")
        #expect(object["level"] as? String == "warning")
        #expect(object["process"] as? String == "shard-1")
        #expect(object["pid"] as? Int == 42)
        #expect(object["message"] as? String == "a \"quoted\"\nsecond line\t\u{1}")
        #expect(object["job"] as? String == "j1")

        let withoutJob = try #require(try JSONSerialization.jsonObject(with: Data(line(.json).utf8)) as? [String: Any])
        #expect(Set(withoutJob.keys) == ["time", "level", "process", "pid", "message"])
    }

    @Test func theFlagNamesAFormatOrSaysWhichThereAre() throws {
        #expect(try Log.Format(flag: nil) == .text)
        #expect(try Log.Format(flag: "json") == .json)
        #expect(throws: ProcessOptions.UsageError("--log-format must be text or json, got xml")) { try Log.Format(flag: "xml") }
    }
}
