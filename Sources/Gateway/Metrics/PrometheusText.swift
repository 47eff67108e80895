import Wire
import WireRuntime

/// Metric families in Prometheus' text exposition format, version 0.0.4. Pure.
enum PrometheusText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func render(_ families: [MetricFamily]) -> String {
        var text = ""
        for family in families {
            text += "# HELP \(family.name) \(escape(family.help, quotes: false))\n"
            text += "# TYPE \(family.name) \(kind(family.kind))\n"
            for sample in family.samples {
                let labels = sample.labels.isEmpty
                    ? "" : "{" + sample.labels.map { "\($0.name)=\"\(escape($0.value, quotes: true))\"" }.joined(separator: ",") + "}"
                text += "\(family.name)\(sample.suffix)\(labels) \(number(sample.value))\n"
            }
        }
        return text
    }

    private static func kind(_ kind: Metrics.Kind) -> String {
        switch kind {
        case .counter: "counter"
        case .gauge: "gauge"
        case .histogram: "histogram"
        }
    }

    /// Whole numbers without a fraction; others as Swift prints a Double, which Prometheus reads.
    private static func number(_ value: Double) -> String {
        value.isFinite ? Metrics.number(value) : (value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf"))
    }

    /// Backslash and newline escaped; in a label value the double quote too.
    private static func escape(_ text: String, quotes: Bool) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\"" where quotes: escaped += "\\\""
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
