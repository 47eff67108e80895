#if canImport(Glibc)
import Glibc
#endif

/// ISO 8601 timestamps to and from Unix epoch milliseconds, without Foundation's formatters.
enum ISO8601 {
    /// The instant `text` names, in Unix epoch milliseconds; nil when it is not one of:
    ///
    /// - `YYYY-MM-DD`: midnight UTC of that day;
    /// - `YYYY-MM-DDTHH:MM[:SS[.f…]]Z`, UTC;
    /// - `YYYY-MM-DDTHH:MM[:SS[.f…]]±HH:MM` (or `±HHMM`), with an offset from UTC.
    ///
    /// `T` and `Z` may be lower case (RFC 3339). A time without a zone is refused
    /// rather than guessed. Fractions take 1–9 digits; a fraction finer than a
    /// millisecond is rounded *up*, which keeps both `>=` (after) and `<` (before)
    /// exact against whole-millisecond timestamps. Fields are range-checked
    /// (month 1–12, day within its month with leap years, hour 0–23, minute and
    /// second 0–59: no leap second).
    static func milliseconds(from text: String) -> Int64? {
        milliseconds(utf8: Array(text.utf8)[...])
    }

    /// `milliseconds(from:)` of a text given as its UTF-8 bytes, as an import line holds them.
    static func milliseconds(utf8: ArraySlice<UInt8>) -> Int64? {
        var cursor = ISO8601Cursor(utf8)
        guard let year = cursor.digits(4), cursor.skip("-"), let month = cursor.digits(2), cursor.skip("-"), let day = cursor.digits(2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var seconds = Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400
        if cursor.atEnd { return seconds * 1000 }

        guard cursor.skip("T") || cursor.skip("t"), let hour = cursor.digits(2), cursor.skip(":"), let minute = cursor.digits(2),
            hour < 24, minute < 60
        else { return nil }
        var second = 0
        var milliseconds: Int64 = 0
        if cursor.skip(":") {
            guard let value = cursor.digits(2), value < 60 else { return nil }
            second = value
            if cursor.skip(".") {
                guard let fraction = cursor.fraction(maxDigits: 9) else { return nil }
                // value / 10^count seconds, in milliseconds rounded up.
                let scale = Int64(pow10(fraction.count))
                milliseconds = (Int64(fraction.value) * 1000 + scale - 1) / scale
            }
        }
        seconds += Int64(hour * 3600 + minute * 60 + second)

        if cursor.skip("Z") || cursor.skip("z") {
            // UTC.
        } else if let sign = cursor.sign() {
            guard let offsetHour = cursor.digits(2), offsetHour < 24 else { return nil }
            _ = cursor.skip(":")
            guard let offsetMinute = cursor.digits(2), offsetMinute < 60 else { return nil }
            // 10:00+02:00 is 08:00Z.
            seconds -= Int64(sign * (offsetHour * 3600 + offsetMinute * 60))
        } else {
            return nil
        }
        guard cursor.atEnd else { return nil }
        return seconds * 1000 + milliseconds
    }

    private static func pow10(_ exponent: Int) -> Int {
        var result = 1
        for _ in 0..<exponent { result *= 10 }
        return result
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's `days_from_civil`).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Reads an ISO 8601 text byte by byte: `skip` and `digits` consume only what they match; after `fraction` returns nil the parse gives up.
    private struct ISO8601Cursor {
        private let bytes: ArraySlice<UInt8>
        private var index: Int

        init(_ bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            index = bytes.startIndex
        }

        var atEnd: Bool { index == bytes.endIndex }

        /// Consumes `character` when it comes next.
        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.endIndex, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        /// Exactly `count` ASCII digits as a number, or nil (consuming nothing).
        mutating func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.endIndex else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }

        /// One to `maxDigits` digits: their value and how many there were; nil when none or too many.
        mutating func fraction(maxDigits: Int) -> (value: Int, count: Int)? {
            var value = 0
            var count = 0
            while index < bytes.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                guard count < maxDigits else { return nil }
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                count += 1
                index += 1
            }
            return count == 0 ? nil : (value, count)
        }

        /// +1 or -1 for a consumed `+` or `-`; nil when neither comes next.
        mutating func sign() -> Int? {
            if skip("+") { return 1 }
            if skip("-") { return -1 }
            return nil
        }
    }


    /// `2026-01-05T10:00:00.000Z` for `milliseconds` since the epoch (UTC).
    static func string(fromMilliseconds milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds.floorDivided(by: 1000))
        let fraction = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(fraction), 3))Z"
    }
}

extension Int64 {
    /// Division rounding towards negative infinity, so dates before 1970 keep a non-negative fraction.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}
