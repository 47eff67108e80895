// A process's metrics as the reply to `ReadMetrics` carries them; the registry that records them is
// `Metrics`, in WireRuntime, which depends on the codec and not the other way round.

/// One label of a sample: `route="/api/contacts/{id}"`.
package struct MetricLabel: Sendable, Hashable, Comparable, WireCodable {
    package var name: String
    package var value: String

    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    package static func < (lhs: MetricLabel, rhs: MetricLabel) -> Bool { (lhs.name, lhs.value) < (rhs.name, rhs.value) }

    package func encode(to writer: inout WireWriter) {
        writer.write(name)
        writer.write(value)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        name = try reader.readString("label.name")
        value = try reader.readString("label.value")
    }
}

/// One line of a family: its name's suffix (`_bucket`, `_sum`, `_count` or none), labels and value.
package struct MetricSample: Sendable, Equatable, WireCodable {
    package var suffix: String
    package var labels: [MetricLabel]
    package var value: Double

    package init(suffix: String, labels: [MetricLabel], value: Double) {
        self.suffix = suffix
        self.labels = labels
        self.value = value
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(suffix)
        writer.write(array: labels)
        writer.write(value)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        suffix = try reader.readString("sample.suffix")
        labels = try reader.readArray("sample.labels")
        value = try reader.readDouble("sample.value")
    }
}

/// A metric with its help, kind and samples, as one process saw it.
package struct MetricFamily: Sendable, Equatable, WireCodable {
    package enum Kind: UInt8, Sendable {
        case counter = 1, gauge, histogram
    }

    package var name: String
    package var kind: Kind
    package var help: String
    package var samples: [MetricSample]

    package init(name: String, kind: Kind, help: String, samples: [MetricSample]) {
        self.name = name
        self.kind = kind
        self.help = help
        self.samples = samples
    }

    /// Families of one name from several processes as one, in the order names first came.
    package static func merged(_ families: [MetricFamily]) -> [MetricFamily] {
        var order: [String] = []
        var byName: [String: MetricFamily] = [:]
        for family in families {
            if var known = byName[family.name] {
                known.samples += family.samples
                byName[family.name] = known
            } else {
                order.append(family.name)
                byName[family.name] = family
            }
        }
        return order.compactMap { byName[$0] }
    }

    /// The same family with `label` added to every sample: a shard's figures under its number.
    package func labelled(_ label: MetricLabel) -> MetricFamily {
        var copy = self
        copy.samples = samples.map { sample in
            var sample = sample
            sample.labels.insert(label, at: 0)
            return sample
        }
        return copy
    }

    package func encode(to writer: inout WireWriter) {
        writer.write(name)
        writer.write(kind.rawValue)
        writer.write(help)
        writer.write(array: samples)
    }

    package init(from reader: inout WireReader) throws(WireError) {
        name = try reader.readString("family.name")
        let rawKind = try reader.readUInt8("family.kind")
        guard let kind = Kind(rawValue: rawKind) else { throw .invalidValue(field: "family.kind", value: Int64(rawKind)) }
        self.kind = kind
        help = try reader.readString("family.help")
        samples = try reader.readArray("family.samples")
    }
}
