import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Instants as microseconds since the Unix epoch (UTC), and the ways DB2 writes them.
enum DB2Time {
    /// Broken-down calendar fields of an instant.
    struct Fields {
        var year, month, day, hour, minute, second, microsecond: Int
    }

    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }

    /// The calendar fields of `micros` in the local time zone (`local`) or in UTC.
    static func fields(_ micros: Int64, local: Bool) -> Fields {
        var seconds = time_t(micros.floorDivided(by: 1_000_000))
        var parts = tm()
        if local { localtime_r(&seconds, &parts) } else { gmtime_r(&seconds, &parts) }
        return Fields(
            year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
            hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec),
            microsecond: Int(micros.floorModulo(1_000_000)))
    }

    /// The instant of calendar fields read in the local time zone or in UTC; nil for impossible dates.
    static func instant(_ fields: Fields, local: Bool) -> Int64? {
        guard (1...12).contains(fields.month), (1...31).contains(fields.day), (0...23).contains(fields.hour),
            (0...59).contains(fields.minute), (0...59).contains(fields.second)
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(fields.year - 1900)
        parts.tm_mon = Int32(fields.month - 1)
        parts.tm_mday = Int32(fields.day)
        parts.tm_hour = Int32(fields.hour)
        parts.tm_min = Int32(fields.minute)
        parts.tm_sec = Int32(fields.second)
        parts.tm_isdst = -1
        let seconds = local ? mktime(&parts) : timegm(&parts)
        return Int64(seconds) * 1_000_000 + Int64(fields.microsecond)
    }

    /// `yyyymmddhhmmss` in local time: the timestamp of a backup image.
    static func backupTimestamp(_ micros: Int64) -> String {
        let f = fields(micros, local: true)
        return pad(f.year, 4) + pad(f.month, 2) + pad(f.day, 2) + pad(f.hour, 2) + pad(f.minute, 2) + pad(f.second, 2)
    }

    /// `yyyy-mm-dd-hh.mm.ss.nnnnnn`, DB2's timestamp format.
    static func timestamp(_ micros: Int64, local: Bool) -> String {
        let f = fields(micros, local: local)
        return "\(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2))-\(pad(f.hour, 2)).\(pad(f.minute, 2))."
            + "\(pad(f.second, 2)).\(pad(f.microsecond, 6))"
    }

    /// `mm/dd/yyyy hh:mm:ss.nnnnnn` in local time, as LIST UTILITIES shows start times.
    static func utilityTimestamp(_ micros: Int64) -> String {
        let f = fields(micros, local: true)
        return "\(pad(f.month, 2))/\(pad(f.day, 2))/\(pad(f.year, 4)) \(pad(f.hour, 2)):\(pad(f.minute, 2)):"
            + "\(pad(f.second, 2)).\(pad(f.microsecond, 6))"
    }

    /// Reads a DB2 time stamp: `yyyy-mm-dd-hh.mm.ss[.nnnnnn]` (the rollforward `isotime`), also with a blank or `T`
    /// between date and time and `:` between the time fields; trailing fields may be left out.
    static func parseFields(_ text: String) -> Fields? {
        let normalized = text.trimmingCharacters(in: .whitespaces)
        let digits = normalized.split(whereSeparator: { "-.: T".contains($0) }).map(String.init)
        guard digits.count >= 3, digits.count <= 7, digits.allSatisfy({ Int($0) != nil }),
            digits[0].count == 4
        else { return nil }
        let values = digits.map { Int($0)! }
        var micro = 0
        if digits.count == 7 {
            let fraction = digits[6].prefix(6)
            micro = Int(fraction.padding(toLength: 6, withPad: "0", startingAt: 0)) ?? 0
        }
        return Fields(
            year: values[0], month: values[1], day: values[2], hour: values.count > 3 ? values[3] : 0,
            minute: values.count > 4 ? values[4] : 0, second: values.count > 5 ? values[5] : 0, microsecond: micro)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    fileprivate func floorModulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
