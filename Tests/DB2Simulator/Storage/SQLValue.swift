import Foundation

/// The column types the stand-in stores. Widths are DB2's display widths in CLP output.
enum ColumnType: Codable, Sendable, Equatable {
    case smallint
    case integer
    case bigint
    case varchar(Int)
    case char(Int)
    case timestamp
    /// Fixed-point numbers, held as integers scaled by 10^scale (only system views return them).
    case decimal(precision: Int, scale: Int)

    /// The type as DB2 names it in catalog views and messages.
    var name: String {
        switch self {
        case .smallint: "SMALLINT"
        case .integer: "INTEGER"
        case .bigint: "BIGINT"
        case .varchar(let length): "VARCHAR(\(length))"
        case .char(let length): "CHARACTER(\(length))"
        case .timestamp: "TIMESTAMP"
        case .decimal(let precision, let scale): "DECIMAL(\(precision),\(scale))"
        }
    }

    /// The column width the CLP reserves for values of this type.
    var displayWidth: Int {
        switch self {
        case .smallint: 6
        case .integer: 11
        case .bigint: 20
        case .varchar(let length), .char(let length): length
        case .timestamp: 26
        case .decimal(let precision, _): precision + 2
        }
    }

    var isNumeric: Bool {
        switch self {
        case .smallint, .integer, .bigint, .decimal: true
        default: false
        }
    }

    /// The range a whole number of this type holds.
    var integerRange: ClosedRange<Int64>? {
        switch self {
        case .smallint: Int64(Int16.min)...Int64(Int16.max)
        case .integer: Int64(Int32.min)...Int64(Int32.max)
        case .bigint: Int64.min...Int64.max
        default: nil
        }
    }
}

/// A value in a row or an expression.
enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case string(String)
    /// A time stamp as microseconds of its calendar fields read as UTC (DB2 time stamps carry no time zone).
    case timestamp(Int64)

    /// The text the CLP shows for the value (`-` for NULL).
    var displayText: String {
        switch self {
        case .null: "-"
        case .integer(let value): String(value)
        case .string(let value): value
        case .timestamp(let micros): DB2Time.timestamp(micros, local: false)
        }
    }

    /// Orders values of one type; NULL sorts last (as in DB2's ascending order).
    static func compare(_ left: SQLValue, _ right: SQLValue) -> Int? {
        switch (left, right) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        case (.integer(let a), .integer(let b)), (.timestamp(let a), .timestamp(let b)):
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.string(let a), .string(let b)):
            let a = a.trailingBlanksTrimmed, b = b.trailingBlanksTrimmed
            return a < b ? -1 : (a == b ? 0 : 1)
        default:
            return nil
        }
    }
}

extension String {
    /// The string without trailing blanks: DB2 compares character strings as if padded with blanks.
    var trailingBlanksTrimmed: Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " { end = index(before: end) }
        return self[startIndex..<end]
    }
}
