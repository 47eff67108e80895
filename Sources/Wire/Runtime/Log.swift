#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One line per event on standard error: as text (time, process, level, message), or as one
/// JSON object per line for log collectors (`--log-format json`).
///
/// Lines are written with a single `write(2)` so that lines from threads and
/// processes sharing a log file never interleave mid-line.
package struct Log: Sendable {
    package enum Level: Int, Sendable, Comparable {
        /// `notice`: a refusal a tenant was given (a guard, a rate limit): not a fault of the
        /// cluster, yet what an operator looks for when a tenant says it was turned away.
        case debug = 0, info, notice, warning, error

        package static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        var label: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .notice: "notice"
            case .warning: "warning"
            case .error: "error"
            }
        }
    }

    /// How a line is written: `text` for people, `json` for collectors.
    package enum Format: String, Sendable, CaseIterable {
        case text, json

        /// The format a `--log-format` flag names; text when absent.
        package init(flag: String?) throws(ProcessOptions.UsageError) {
            guard let flag else {
                self = .text
                return
            }
            guard let format = Format(rawValue: flag) else {
                throw ProcessOptions.UsageError("--log-format must be \(Self.allCases.map(\.rawValue).joined(separator: " or ")), got \(flag)")
            }
            self = format
        }
    }

    package let process: String
    package let minimumLevel: Level
    package let format: Format

    /// `TETHER_LOG=debug|info|notice|warning|error` sets the level; info by default.
    package init(process: String, minimumLevel: Level? = nil, format: Format = .text) {
        self.process = process
        self.minimumLevel = minimumLevel ?? Self.levelFromEnvironment()
        self.format = format
    }

    /// `job` names the bulk-delete job the line is about, and `org` the organization whose job,
    /// import or refusal it is, where there are: fields of their own in JSON, so a collector
    /// finds one tenant's lines without parsing messages.
    package func debug(_ message: @autoclosure () -> String, job: String? = nil, org: String? = nil) { emit(.debug, message, job, org) }
    package func info(_ message: @autoclosure () -> String, job: String? = nil, org: String? = nil) { emit(.info, message, job, org) }
    package func notice(_ message: @autoclosure () -> String, job: String? = nil, org: String? = nil) { emit(.notice, message, job, org) }
    package func warning(_ message: @autoclosure () -> String, job: String? = nil, org: String? = nil) { emit(.warning, message, job, org) }
    package func error(_ message: @autoclosure () -> String, job: String? = nil, org: String? = nil) { emit(.error, message, job, org) }

    /// One line, newline included. The text format names no job or org: its messages already do.
    package static func line(
        format: Format, time: String, process: String, pid: Int32, level: Level, message: String, job: String?, org: String? = nil
    ) -> String {
        switch format {
        case .text:
            return "\(time) \(process)[\(pid)] \(level.label): \(message)\n"
        case .json:
            let jobField = job.map { ",\"job\":\(JSONText.quoted($0))" } ?? ""
            let orgField = org.map { ",\"org\":\(JSONText.quoted($0))" } ?? ""
            return """
                {"time":\(JSONText.quoted(time)),"level":"\(level.label)","process":\(JSONText.quoted(process)),"pid":\(pid),\
                "message":\(JSONText.quoted(message))\(jobField)\(orgField)}\n
                """
        }
    }

    private func emit(_ level: Level, _ message: () -> String, _ job: String?, _ org: String?) {
        guard level >= minimumLevel else { return }
        let stamp = Date().formatted(.iso8601.year().month().day().timeSeparator(.colon).time(includingFractionalSeconds: true))
        var line = Self.line(
            format: format, time: stamp, process: process, pid: getpid(), level: level, message: message(), job: job, org: org)
        line.withUTF8 { bytes in _ = Glibc.write(2, bytes.baseAddress, bytes.count) }
    }

    private static func levelFromEnvironment() -> Level {
        level(named: ProcessInfo.processInfo.environment["TETHER_LOG"])
    }

    /// The level `TETHER_LOG` names, in any case; info for none or an unknown name.
    static func level(named name: String?) -> Level {
        switch name?.lowercased() {
        case "debug": .debug
        case "notice": .notice
        case "warning": .warning
        case "error": .error
        default: .info
        }
    }
}
