/// The rows of a query result as the CLP prints it: a heading line, a line of dashes per column, the rows, then
/// `  N record(s) selected.`. Columns are cut at the dash groups, so values may hold blanks; a null shows as `-`
/// and becomes nil.
public struct CLPTable: Sendable, Equatable {
    public let columns: [String]
    public let rows: [[String?]]

    /// The first table in `output`, or nil when it holds none.
    public init?(_ output: String) {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let dashIndex = lines.firstIndex(where: Self.isDashLine), dashIndex > 0 else { return nil }
        let ranges = Self.columnRanges(lines[dashIndex])
        columns = ranges.map { Self.cut(lines[dashIndex - 1], $0) ?? "" }
        var rows: [[String?]] = []
        for line in lines[(dashIndex + 1)...] {
            if line.trimmingBlanks().isEmpty { break }
            rows.append(ranges.map { range in
                let value = Self.cut(line, range)
                return value == "-" ? nil : value
            })
        }
        self.rows = rows
    }

    /// The values of the column named `name` (case-insensitive).
    public func column(_ name: String) -> [String?]? {
        guard let index = columns.firstIndex(where: { $0.uppercased() == name.uppercased() }) else { return nil }
        return rows.map { $0[index] }
    }

    /// The rows as dictionaries from column name to value.
    public var records: [[String: String?]] {
        rows.map { row in Dictionary(zip(columns, row), uniquingKeysWith: { first, _ in first }) }
    }

    static func isDashLine(_ line: String) -> Bool {
        let trimmed = line.trimmingBlanks()
        return !trimmed.isEmpty && trimmed.hasPrefix("-") && trimmed.allSatisfy { $0 == "-" || $0 == " " }
    }

    /// Character offsets of each group of dashes.
    static func columnRanges(_ line: String) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start: Int?
        for (offset, character) in line.enumerated() {
            if character == "-" {
                if start == nil { start = offset }
            } else if let open = start {
                ranges.append(open..<offset)
                start = nil
            }
        }
        if let open = start { ranges.append(open..<line.count) }
        return ranges
    }

    /// The trimmed text of `line` between the offsets of `range`.
    static func cut(_ line: String, _ range: Range<Int>) -> String? {
        let characters = Array(line)
        guard range.lowerBound < characters.count else { return nil }
        let end = min(characters.count, range.upperBound)
        return String(characters[range.lowerBound..<end]).trimmingBlanks()
    }
}
