#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One line per event on standard error: time, process, level, message.
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

    package let process: String
    package let minimumLevel: Level

    /// `TETHER_LOG=debug|info|warning|error` sets the level; info by default.
    package init(process: String, minimumLevel: Level? = nil) {
        self.process = process
        self.minimumLevel = minimumLevel ?? Self.levelFromEnvironment()
    }

    package func debug(_ message: @autoclosure () -> String) { emit(.debug, message) }
    package func info(_ message: @autoclosure () -> String) { emit(.info, message) }
    package func warning(_ message: @autoclosure () -> String) { emit(.warning, message) }
    package func error(_ message: @autoclosure () -> String) { emit(.error, message) }

    private func emit(_ level: Level, _ message: () -> String) {
        guard level >= minimumLevel else { return }
        let stamp = Date().formatted(.iso8601.year().month().day().timeSeparator(.colon).time(includingFractionalSeconds: true))
        var line = "\(stamp) \(process)[\(getpid())] \(level.label): \(message())\n"
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
