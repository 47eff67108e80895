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
        case debug = 0, info, warning, error

        package static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        var label: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
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

    /// `TETHER_LOG=debug|info|warning|error` sets the level; info by default.
    package init(process: String, minimumLevel: Level? = nil, format: Format = .text) {
        self.process = process
        self.minimumLevel = minimumLevel ?? Self.levelFromEnvironment()
        self.format = format
    }

    /// `job` names the bulk-delete job the line is about, where there is one: a field of its own in JSON.
    package func debug(_ message: @autoclosure () -> String, job: String? = nil) { emit(.debug, message, job) }
    package func info(_ message: @autoclosure () -> String, job: String? = nil) { emit(.info, message, job) }
    package func warning(_ message: @autoclosure () -> String, job: String? = nil) { emit(.warning, message, job) }
    package func error(_ message: @autoclosure () -> String, job: String? = nil) { emit(.error, message, job) }

    /// One line, newline included. The text format names no job: its messages already do.
    package static func line(
        format: Format, time: String, process: String, pid: Int32, level: Level, message: String, job: String?
    ) -> String {
        switch format {
        case .text:
            return "\(time) \(process)[\(pid)] \(level.label): \(message)\n"
        case .json:
            let jobField = job.map { ",\"job\":\(JSONText.quoted($0))" } ?? ""
            return """
                {"time":\(JSONText.quoted(time)),"level":"\(level.label)","process":\(JSONText.quoted(process)),"pid":\(pid),\
                "message":\(JSONText.quoted(message))\(jobField)}\n
                """
        }
    }

    private func emit(_ level: Level, _ message: () -> String, _ job: String?) {
        guard level >= minimumLevel else { return }
        let stamp = Date().formatted(.iso8601.year().month().day().timeSeparator(.colon).time(includingFractionalSeconds: true))
        var line = Self.line(format: format, time: stamp, process: process, pid: getpid(), level: level, message: message(), job: job)
        line.withUTF8 { bytes in _ = Glibc.write(2, bytes.baseAddress, bytes.count) }
    }

    private static func levelFromEnvironment() -> Level {
        switch ProcessInfo.processInfo.environment["TETHER_LOG"]?.lowercased() {
        case "debug": .debug
        case "warning": .warning
        case "error": .error
        default: .info
        }
    }
}
