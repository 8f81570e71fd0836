import DB2
import FoundationEssentials

/// The point a restore rolls forward to, past the end of its backup, through the shipped logs.
public enum RestorePoint: Sendable, Equatable, CustomStringConvertible {
    /// Every transaction committed at or before this time (UTC).
    case time(Date)
    /// Through the last shipped log of the backup's log chain.
    case endOfLogs

    /// `end-of-logs`, or an ISO 8601 time in UTC (`2026-12-07T06:10:00Z`, fractions of a second allowed; an offset
    /// other than `Z` or `+00:00` is refused, so that no local time is ever guessed).
    public init?(_ text: String) {
        if text == "end-of-logs" {
            self = .endOfLogs
            return
        }
        guard text.hasSuffix("Z") || text.hasSuffix("+00:00"), let date = ShippedLogTime.parse(text) else { return nil }
        self = .time(date)
    }

    /// Db2's rollforward to it.
    var rollforward: RollforwardTarget {
        switch self {
        case .time(let date): .time(date)
        case .endOfLogs: .endOfLogs
        }
    }

    public var description: String {
        switch self {
        case .time(let date): ShippedLogTime.format(date)
        case .endOfLogs: "end-of-logs"
        }
    }
}
