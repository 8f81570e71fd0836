import Foundation

/// Rows a query returned, and how the CLP prints them.
struct ResultSet {
    struct Column {
        var name: String
        var type: ColumnType
    }

    var columns: [Column]
    var rows: [[SQLValue]]

    /// The CLP's column output: a blank line, the headings, a line of dashes, the rows, a blank line,
    /// `  N record(s) selected.` and a blank line. Each column is as wide as its heading or its type's display width,
    /// whichever is wider; numbers are right-aligned, everything else left-aligned; NULL shows as `-`.
    /// Without `headings` (option `-x`) only the rows are printed.
    func rendered(headings: Bool) -> String {
        let widths = columns.map { max($0.name.count, $0.type.displayWidth) }
        var lines: [String] = []
        if headings {
            lines.append("")
            lines.append(zip(columns, widths).map { $0.name.padded(to: $1) }.joined(separator: " "))
            lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: " "))
        }
        for row in rows {
            var cells: [String] = []
            for (index, value) in row.enumerated() {
                let column = columns[index]
                let text = Self.text(value, type: column.type)
                let rightAligned = column.type.isNumeric
                cells.append(rightAligned ? text.leftPadded(to: widths[index]) : text.padded(to: widths[index]))
            }
            lines.append(cells.joined(separator: " "))
        }
        if headings {
            lines.append("")
            lines.append("  \(rows.count) record(s) selected.")
            lines.append("")
        }
        return lines.map { $0 + "\n" }.joined()
    }

    private static func text(_ value: SQLValue, type: ColumnType) -> String {
        if case .decimal(_, let scale) = type, case .integer(let scaled) = value, scale > 0 {
            let divisor = (0..<scale).reduce(Int64(1)) { result, _ in result * 10 }
            let sign = scaled < 0 ? "-" : ""
            let magnitude = scaled.magnitude
            let fraction = String(magnitude % UInt64(divisor))
            return "\(sign)\(magnitude / UInt64(divisor)).\(String(repeating: "0", count: scale - fraction.count))\(fraction)"
        }
        return value.displayText
    }
}

extension String {
    /// The string followed by blanks up to `width` characters.
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    /// The string preceded by blanks up to `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
