/// Parses `--name value` command-line flags, the only form our processes take.
///
/// Pure: the processes' `main` feeds it `CommandLine.arguments` and prints the
/// error it throws. Unknown flags are an error, so a typo never silently falls
/// back to a default.
package struct ProcessOptions: Sendable {
    package struct UsageError: Error, Equatable, CustomStringConvertible {
        package let description: String
        package init(_ description: String) { self.description = description }
    }

    private var values: [String: String]

    /// `arguments` excludes the program name; `known` lists the accepted flag names without dashes.
    package init(_ arguments: [String], known: Set<String>) throws(UsageError) {
        values = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else { throw UsageError("unexpected argument \(argument)") }
            let name = String(argument.dropFirst(2))
            guard known.contains(name) else { throw UsageError("unknown flag --\(name); known: \(known.sorted().map { "--\($0)" }.joined(separator: " "))") }
            guard index + 1 < arguments.count else { throw UsageError("--\(name) needs a value") }
            values[name] = arguments[index + 1]
            index += 2
        }
    }

    package func string(_ name: String) -> String? { values[name] }

    package func require(_ name: String) throws(UsageError) -> String {
        guard let value = values[name] else { throw UsageError("--\(name) is required") }
        return value
    }

    /// An integer flag within `range`, or `defaultValue` when absent.
    package func integer(_ name: String, default defaultValue: Int? = nil, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = values[name] else {
            guard let defaultValue else { throw UsageError("--\(name) is required") }
            return defaultValue
        }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError("--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(text)")
        }
        return value
    }
}
