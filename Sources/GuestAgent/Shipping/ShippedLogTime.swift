import FoundationEssentials

/// Times in shipped logs' metadata: ISO 8601 in UTC with microseconds (`2026-12-07T06:10:00.123456Z`).
enum ShippedLogTime {
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(timeZone: .gmt)))
    }
}
