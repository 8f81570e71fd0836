import Foundation

/// Evaluates expressions and search conditions over the rows of one table, and builds the result of a SELECT.
struct Evaluator {
    let columns: [ColumnDefinition]

    /// The local wall-clock time as a DB2 time stamp (CURRENT TIMESTAMP).
    static func currentTimestamp() -> Int64 {
        let now = DB2Time.now()
        return DB2Time.instant(DB2Time.fields(now, local: true), local: false) ?? now
    }

    /// `value` converted for a column of `type`, as an assignment converts it.
    ///
    /// - Throws: ``DB2Failure`` SQL0413N (number out of range), SQL0420N (text that is no number), SQL0433N (text
    ///   too long), SQL0180N (text that is no time stamp), SQL0408N (incompatible types).
    static func convert(_ value: SQLValue, to type: ColumnType, target: String) throws -> SQLValue {
        switch (value, type) {
        case (.null, _):
            return .null
        case (.integer(let number), _) where type.integerRange != nil:
            guard type.integerRange!.contains(number) else { throw DB2Failure(DB2Message("SQL0413N")) }
            return value
        case (.string(let text), _) where type.integerRange != nil:
            guard let number = Int64(text.trimmingCharacters(in: .whitespaces)) else {
                throw DB2Failure(DB2Message("SQL0420N", type == .bigint ? "BIGINT" : type.name))
            }
            return try convert(.integer(number), to: type, target: target)
        case (.integer(let number), .varchar), (.integer(let number), .char):
            return try convert(.string(String(number)), to: type, target: target)
        case (.string(let text), .varchar(let length)):
            guard text.utf8.count <= length else { throw DB2Failure(DB2Message("SQL0433N", shown(text))) }
            return value
        case (.string(let text), .char(let length)):
            let trimmed = String(text.trailingBlanksTrimmed)
            guard trimmed.utf8.count <= length else { throw DB2Failure(DB2Message("SQL0433N", shown(text))) }
            return .string(trimmed + String(repeating: " ", count: length - trimmed.utf8.count))
        case (.timestamp, .timestamp):
            return value
        case (.string(let text), .timestamp):
            guard let fields = DB2Time.parseFields(text), let micros = DB2Time.instant(fields, local: false) else {
                throw DB2Failure(DB2Message("SQL0180N"))
            }
            return .timestamp(micros)
        case (.timestamp(let micros), .varchar), (.timestamp(let micros), .char):
            return try convert(.string(DB2Time.timestamp(micros, local: false)), to: type, target: target)
        default:
            throw DB2Failure(DB2Message("SQL0408N", target))
        }
    }

    private static func shown(_ text: String) -> String { text.count > 70 ? String(text.prefix(70)) : text }

    // MARK: Search conditions

    /// True when `row` satisfies `predicate` (an unknown result, from NULL, is false).
    func test(_ predicate: Predicate, _ row: [SQLValue]) throws -> Bool {
        try truth(predicate, row) == true
    }

    private func truth(_ predicate: Predicate, _ row: [SQLValue]) throws -> Bool? {
        switch predicate {
        case .comparison(let left, let operation, let right):
            let a = try value(left, row), b = try value(right, row)
            if a == .null || b == .null { return nil }
            guard let order = try compare(a, b, operation: operation) else { return nil }
            switch operation {
            case "=": return order == 0
            case "<>": return order != 0
            case "<": return order < 0
            case ">": return order > 0
            case "<=": return order <= 0
            default: return order >= 0
            }
        case .isNull(let expression, let negated):
            return (try value(expression, row) == .null) != negated
        case .inList(let expression, let list, let negated):
            let a = try value(expression, row)
            if a == .null { return nil }
            var sawNull = false
            for item in list {
                let b = try value(item, row)
                if b == .null {
                    sawNull = true
                } else if try compare(a, b, operation: "IN") == 0 {
                    return !negated
                }
            }
            return sawNull ? nil : negated
        case .and(let left, let right):
            let a = try truth(left, row), b = try truth(right, row)
            if a == false || b == false { return false }
            return a == nil || b == nil ? nil : true
        case .or(let left, let right):
            let a = try truth(left, row), b = try truth(right, row)
            if a == true || b == true { return true }
            return a == nil || b == nil ? nil : false
        case .not(let inner):
            return try truth(inner, row).map { !$0 }
        }
    }

    /// Compares values, converting a string to the other side's type as DB2's implicit casting does.
    private func compare(_ a: SQLValue, _ b: SQLValue, operation: String) throws -> Int? {
        switch (a, b) {
        case (.integer, .string(let text)):
            guard let number = Int64(text.trimmingCharacters(in: .whitespaces)) else {
                throw DB2Failure(DB2Message("SQL0420N", "DECFLOAT"))
            }
            return SQLValue.compare(a, .integer(number))
        case (.string, .integer):
            return try compare(b, a, operation: operation).map { -$0 }
        case (.timestamp, .string):
            return SQLValue.compare(a, try Self.convert(b, to: .timestamp, target: ""))
        case (.string, .timestamp):
            return SQLValue.compare(try Self.convert(a, to: .timestamp, target: ""), b)
        default:
            guard let order = SQLValue.compare(a, b) else { throw DB2Failure(DB2Message("SQL0401N", operation)) }
            return order
        }
    }

    private func value(_ expression: SQLExpression, _ row: [SQLValue]) throws -> SQLValue {
        switch expression {
        case .literal(let value): return value
        case .currentTimestamp: return .timestamp(Self.currentTimestamp())
        case .column(let name): return row[try index(of: name)]
        case .parameter: throw DB2Failure(DB2Message("SQL0104N", "?", "=", "<value>"))
        case .aggregate(let function, _): throw DB2Failure(DB2Message("SQL0104N", function.rawValue, "WHERE", "<value>"))
        }
    }

    private func index(of name: String) throws -> Int {
        guard let index = columns.firstIndex(where: { $0.name == name }) else {
            throw DB2Failure(DB2Message("SQL0206N", name))
        }
        return index
    }

    // MARK: Results

    /// The result of a SELECT over rows that passed its WHERE: the select list, column functions, ORDER BY and
    /// FETCH FIRST applied.
    func project(_ statement: SelectStatement, rows: [[SQLValue]]) throws -> ResultSet {
        var resultColumns: [ResultSet.Column] = []
        var sources: [SQLExpression] = []
        for (position, item) in statement.items.enumerated() {
            guard let expression = item.expression else {
                for column in columns {
                    resultColumns.append(ResultSet.Column(name: column.name, type: column.type))
                    sources.append(.column(column.name))
                }
                continue
            }
            let type = try resultType(expression)
            var name = String(position + 1)
            if case .column(let column) = expression { name = column }
            resultColumns.append(ResultSet.Column(name: item.alias ?? name, type: type))
            sources.append(expression)
        }
        let aggregates = sources.filter(\.isAggregate).count
        if aggregates > 0 {
            guard aggregates == sources.count else { throw DB2Failure(DB2Message("SQL0122N")) }
            let row = try sources.map { expression -> SQLValue in
                guard case .aggregate(let function, let column) = expression else { return .null }
                return try aggregate(function, column: column, rows: rows)
            }
            return ResultSet(columns: resultColumns, rows: [row])
        }
        var ordered = rows
        if !statement.order.isEmpty {
            let keys = try statement.order.map { item -> (Int, Bool, Bool) in
                switch item.key {
                case .column(let name): return (try index(of: name), item.descending, false)
                case .position(let position):
                    guard (1...sources.count).contains(position) else {
                        throw DB2Failure(DB2Message("SQL0104N", String(position), "BY", "<column>"))
                    }
                    return (position - 1, item.descending, true)
                }
            }
            let projectedKeys = try ordered.map { row in try sources.map { try value($0, row) } }
            let indices = ordered.indices.sorted { left, right in
                for (column, descending, byPosition) in keys {
                    let a = byPosition ? projectedKeys[left][column] : ordered[left][column]
                    let b = byPosition ? projectedKeys[right][column] : ordered[right][column]
                    let order = SQLValue.compare(a, b) ?? 0
                    if order != 0 { return descending ? order > 0 : order < 0 }
                }
                return left < right
            }
            ordered = indices.map { ordered[$0] }
        }
        if let limit = statement.limit { ordered = Array(ordered.prefix(limit)) }
        let projected = try ordered.map { row in try sources.map { try value($0, row) } }
        return ResultSet(columns: resultColumns, rows: projected)
    }

    private func resultType(_ expression: SQLExpression) throws -> ColumnType {
        switch expression {
        case .column(let name): return columns[try index(of: name)].type
        case .literal(.integer): return .integer
        case .literal(.string(let text)): return .varchar(max(1, text.count))
        case .literal: return .integer
        case .currentTimestamp: return .timestamp
        case .parameter: throw DB2Failure(DB2Message("SQL0104N", "?", "SELECT", "<value>"))
        case .aggregate(.count, _): return .integer
        case .aggregate(.sum, let column?):
            let type = columns[try index(of: column)].type
            guard type.isNumeric else { throw DB2Failure(DB2Message("SQL0440N", "SUM", "FUNCTION")) }
            return type == .bigint ? .bigint : .integer
        case .aggregate(_, let column?): return columns[try index(of: column)].type
        case .aggregate: throw DB2Failure(DB2Message("SQL0104N", "*", "(", "<column>"))
        }
    }

    private func aggregate(_ function: AggregateFunction, column: String?, rows: [[SQLValue]]) throws -> SQLValue {
        guard let column else { return .integer(Int64(rows.count)) }
        let position = try index(of: column)
        let values = rows.map { $0[position] }.filter { $0 != .null }
        switch function {
        case .count:
            return .integer(Int64(values.count))
        case .sum:
            var total: Int64 = 0
            for case .integer(let number) in values {
                let (sum, overflow) = total.addingReportingOverflow(number)
                if overflow { throw DB2Failure(DB2Message("SQL0413N")) }
                total = sum
            }
            return values.isEmpty ? .null : .integer(total)
        case .max:
            return values.max { (SQLValue.compare($0, $1) ?? 0) < 0 } ?? .null
        case .min:
            return values.min { (SQLValue.compare($0, $1) ?? 0) < 0 } ?? .null
        }
    }
}
