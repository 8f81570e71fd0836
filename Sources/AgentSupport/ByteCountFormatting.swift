/// Human-readable byte counts and rates for logs and status lines (binary units: KiB, MiB, GiB).
public enum ByteCountFormatting {
    /// `1536` → `"1.5 KiB"`, `0` → `"0 B"`.
    public static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while abs(value) >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(count) B" }
        return "\(formatOneDecimal(value)) \(units[unit])"
    }

    /// A rate in MB/s (decimal megabytes, as the benchmarks and `dd` print them).
    public static func rate(bytes: Int64, seconds: Double) -> String {
        guard seconds > 0 else { return "- MB/s" }
        return "\(formatOneDecimal(Double(bytes) / seconds / 1_000_000)) MB/s"
    }

    static func formatOneDecimal(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        let whole = Int(tenths / 10)
        let fraction = Int(abs(tenths).truncatingRemainder(dividingBy: 10))
        return "\(whole).\(fraction)"
    }
}
