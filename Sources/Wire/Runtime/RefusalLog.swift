import Synchronization

/// Which rate-limit refusals get a line: at most one per org per `interval`, the next one
/// saying how many went unlogged in between. A tenant whose script loops on a 429 is refused
/// hundreds of times a second; a line for each would bury every other line of the log.
///
/// Pure: the caller hands it the time, so tests drive it with their own clock.
package struct RefusalLogGate: Sendable {
    /// At most one line per org per this interval: soon enough that an operator sees a tenant
    /// is still being refused, rare enough that a refusal loop adds a line every few seconds, not thousands.
    package static let standardInterval: Duration = .seconds(10)

    package let interval: Duration
    private var orgs: [String: (lastLine: ContinuousClock.Instant, suppressed: Int)] = [:]

    package init(interval: Duration = Self.standardInterval) {
        self.interval = interval
    }

    /// Counts a refusal of `org` at `now`: the refusals of `org` not logged since its last line
    /// when this one gets a line, nil when it is only counted.
    package mutating func admit(org: String, at now: ContinuousClock.Instant) -> Int? {
        if let earlier = orgs[org], now < earlier.lastLine + interval {
            orgs[org] = (earlier.lastLine, earlier.suppressed + 1)
            return nil
        }
        let suppressed = orgs[org]?.suppressed ?? 0
        // Orgs whose interval passed with nothing to report need no entry: the map holds only
        // orgs refused lately, or with a count still to tell.
        orgs = orgs.filter { now < $0.value.lastLine + interval || $0.value.suppressed > 0 }
        orgs[org] = (now, 0)
        return suppressed
    }

    /// Orgs it remembers (refused within the interval, or with an untold count).
    package var trackedOrgs: Int { orgs.count }

    /// The line for a refusal of `org`: what was refused and why (`refusal`, never a value the
    /// tenant sent), and how many more went unlogged before it.
    package static func line(org: String, refusal: String, suppressed: Int) -> String {
        let more = suppressed == 0 ? "" : " (\(suppressed) more refused since the last line)"
        return "refused org \(org): \(refusal)\(more)"
    }
}

/// A `RefusalLogGate` shared by a process's tasks, writing the lines it lets through at notice.
package final class RefusalLog: Sendable {
    private let log: Log
    private let gate: Mutex<RefusalLogGate>

    package init(log: Log, interval: Duration = RefusalLogGate.standardInterval) {
        self.log = log
        gate = Mutex(RefusalLogGate(interval: interval))
    }

    package func refused(org: String, _ refusal: @autoclosure () -> String, at now: ContinuousClock.Instant = .now) {
        guard let suppressed = gate.withLock({ $0.admit(org: org, at: now) }) else { return }
        log.notice(RefusalLogGate.line(org: org, refusal: refusal(), suppressed: suppressed), org: org)
    }
}
