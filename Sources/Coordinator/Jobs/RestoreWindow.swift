import WireRuntime

/// How long a restorable delete keeps what it deleted once it has finished: `--restore-window`
/// (`TETHER_RESTORE_WINDOW`), a whole number with a unit, `s`, `m`, `h` or `d` (`90s`, `30d`), or
/// `0`, which makes every delete permanent (nothing is kept, so nothing can be restored).
///
/// ```
/// delete:  registered ── running ── finished ─────────── window ──────────▶ restorableUntil
///                                   ◀── POST …/restore answers 202 ──────▶◀── 410; purged
/// ```
/// Pure: `scripts/cluster start` checks the same grammar before it starts anything.
struct RestoreWindow: Equatable, CustomStringConvertible {
    let milliseconds: Int64

    /// What every CRM users know keeps deleted records for (Pipedrive's 30 days).
    static let standard = RestoreWindow(days: 30)
    /// The longest window taken: ten years. Longer is surely a typo (`30000d`), and it keeps
    /// `finishedAt + window` far from overflowing.
    static let longest = RestoreWindow(days: 3_650)
    /// The variable the window falls back to when `--restore-window` is not given.
    static let environmentVariable = "TETHER_RESTORE_WINDOW"

    /// Each unit in seconds, largest first.
    private static let units: [(name: Character, seconds: Int64)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// Whole seconds, as every unit the option takes is.
    init(seconds: Int64) {
        precondition(seconds >= 0, "a restore window cannot be negative")  // our own bug: parsing refuses it
        milliseconds = seconds * 1_000
    }

    init(days: Int64) { self.init(seconds: days * 86_400) }

    /// Reads `text` as the option takes it; a usage error saying what it takes otherwise.
    init(parsing text: String) throws(ProcessOptions.UsageError) {
        let refusal = ProcessOptions.UsageError(
            "--restore-window must be 0 (every delete permanent) or a whole number with a unit s, m, h or d, at most \(Self.longest), "
                + "such as 90s or 30d; got \(text.isEmpty ? "nothing" : text)")
        if text == "0" {
            self.init(seconds: 0)
            return
        }
        guard let unit = Self.units.first(where: { $0.name == text.last }) else { throw refusal }
        let digits = text.dropLast()
        // Digits alone (Int64 would also take a sign), at most 9: no product with a unit overflows.
        guard (1...9).contains(digits.count), digits.allSatisfy({ ("0"..."9").contains($0) }), let count = Int64(digits),
            count * unit.seconds * 1_000 <= Self.longest.milliseconds
        else { throw refusal }
        self.init(seconds: count * unit.seconds)
    }

    /// `--restore-window`'s value when given, else `TETHER_RESTORE_WINDOW`'s, else `standard`.
    init(flag: String?, environment: [String: String]) throws(ProcessOptions.UsageError) {
        guard let text = flag ?? environment[Self.environmentVariable].flatMap({ $0.isEmpty ? nil : $0 }) else {
            self = .standard
            return
        }
        try self.init(parsing: text)
    }

    /// No delete keeps anything: every delete is registered permanent.
    var makesEveryDeletePermanent: Bool { milliseconds == 0 }

    /// The largest unit that states it whole: `30d`, `90s`, `0`.
    var description: String {
        let seconds = milliseconds / 1_000
        guard seconds > 0 else { return "0" }
        // Seconds divide every window, so the last unit always states it.
        let unit = Self.units.first { seconds % $0.seconds == 0 } ?? Self.units[Self.units.count - 1]
        return "\(seconds / unit.seconds)\(unit.name)"
    }
}
