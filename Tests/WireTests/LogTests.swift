import Foundation
import Testing
@testable import WireRuntime

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

    /// A line about an org's job or refusal carries the org as a field of its own in JSON; text names it in the message.
    @Test func jsonCarriesTheOrgWhereThereIsOne() throws {
        let json = Log.line(
            format: .json, time: "t", process: "coordinator", pid: 1, level: .notice, message: "m", job: "j1", org: "org-1")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["org"] as? String == "org-1" && object["job"] as? String == "j1" && object["level"] as? String == "notice")
        let text = Log.line(format: .text, time: "t", process: "coordinator", pid: 1, level: .notice, message: "m", job: "j1", org: "org-1")
        #expect(text == "t coordinator[1] notice: m\n")
    }

    /// Notice sits between info and warning: `TETHER_LOG=notice` keeps refusals and drops routine lines.
    @Test func noticeIsBetweenInfoAndWarningAndTETHER_LOGNamesIt() {
        #expect(Log.Level.info < .notice && Log.Level.notice < .warning)
        #expect(Log.level(named: "NOTICE") == .notice)
        #expect(Log.level(named: "warning") == .warning)
        #expect(Log.level(named: nil) == .info)
    }

    @Test func theFlagNamesAFormatOrSaysWhichThereAre() throws {
        #expect(try Log.Format(flag: nil) == .text)
        #expect(try Log.Format(flag: "json") == .json)
        #expect(throws: ProcessOptions.UsageError("--log-format must be text or json, got xml")) { try Log.Format(flag: "xml") }
    }
}
