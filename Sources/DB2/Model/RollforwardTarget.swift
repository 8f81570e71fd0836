#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// How far `ROLLFORWARD DATABASE` goes after a restore of an online image (IBM, *ROLLFORWARD DATABASE command*).
public enum RollforwardTarget: Sendable, Equatable, CustomStringConvertible {
    /// `TO END OF BACKUP AND COMPLETE`: the moment the backup ended (the least an online image needs).
    case endOfBackup
    /// `TO END OF LOGS AND STOP`: through every log file found.
    case endOfLogs
    /// `TO <isotime> USING UTC TIME AND STOP`: every transaction committed at or before the time.
    case time(Date)

    /// The clause after `ROLLFORWARD DATABASE <name>`.
    public var clause: String {
        switch self {
        case .endOfBackup: "TO END OF BACKUP AND COMPLETE"
        case .endOfLogs: "TO END OF LOGS AND STOP"
        case .time(let date): "TO \(Self.isoTime(date)) USING UTC TIME AND STOP"
        }
    }

    /// Db2's isotime, `yyyy-mm-dd-hh.mm.ss.nnnnnn`, in UTC.
    public static func isoTime(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = floor(seconds)
        let micros = min(999_999, Int(((seconds - whole) * 1_000_000).rounded(.down)))
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let micro = String(micros)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))-"
            + "\(pad(parts.tm_hour, 2)).\(pad(parts.tm_min, 2)).\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 6 - micro.count) + micro
    }

    public var description: String {
        switch self {
        case .endOfBackup: "the end of the backup"
        case .endOfLogs: "the end of the logs"
        case .time(let date): "\(Self.isoTime(date)) UTC"
        }
    }
}
