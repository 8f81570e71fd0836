/// How an option's text is parsed, following oslo.config's `types` module.
public enum OptionKind: Sendable, Equatable {
    /// `true/false`, `yes/no`, `on/off`, `1/0`, any case (`types.Boolean`).
    case boolean
    /// A decimal integer, as Python's `int()` reads it, within `min...max` (`types.Integer`). Empty means unset.
    case integer(min: Int?, max: Int?)
    /// A finite decimal number within `min...max` (`types.Float`). Empty means unset.
    case float(min: Double?, max: Double?)
    /// Any text; with choices, one of them, compared without regard to case (`types.String`).
    case string(choices: [String]?)
    /// Comma-separated items, each trimmed; a trailing comma is ignored (`types.List`).
    case list
    /// `key:value` pairs separated by commas, keys unique and non-empty (`types.Dict`).
    case dict

    /// How the type reads in the option table and in error messages.
    public var typeDescription: String {
        switch self {
        case .boolean: return "boolean"
        case .integer: return "integer" + rangeText
        case .float: return "float" + rangeText
        case let .string(choices?): return "one of " + choices.map { $0.isEmpty ? "\"\"" : $0 }.joined(separator: ", ")
        case .string(nil): return "string"
        case .list: return "list"
        case .dict: return "dict"
        }
    }

    /// What a correct value looks like, for error messages.
    var expectation: String {
        switch self {
        case .boolean: return "expected true/false, yes/no, on/off or 1/0"
        case .integer: return "expected an integer" + rangeText
        case .float: return "expected a number" + rangeText
        case let .string(choices?):
            return "allowed: " + choices.map { $0.isEmpty ? "\"\" (empty)" : $0 }.joined(separator: ", ")
        case .string(nil): return "expected text"
        case .list: return "expected comma-separated items"
        case .dict: return "expected key:value pairs separated by commas, e.g. k1:v1,k2:v2"
        }
    }

    /// ` (1–12)`, ` (>= 1)`, ` (<= 4.5)` or nothing.
    private var rangeText: String {
        let bounds: (String?, String?)
        switch self {
        case let .integer(min, max): bounds = (min.map(String.init), max.map(String.init))
        case let .float(min, max): bounds = (min.map(Self.number), max.map(Self.number))
        default: bounds = (nil, nil)
        }
        switch bounds {
        case let (min?, max?): return " (\(min)–\(max))"
        case let (min?, nil): return " (>= \(min))"
        case let (nil, max?): return " (<= \(max))"
        case (nil, nil): return ""
        }
    }

    /// `4.5`, or `0` rather than `0.0`.
    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// Parses `text` (already stripped of quotes by the INI parser and `$`-substituted) as oslo.config would.
    ///
    /// - Throws: ``OptionValueError`` saying what is wrong; the caller adds the option name and location.
    func parse(_ text: String) throws(OptionValueError) -> ParsedOptionValue {
        switch self {
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "on", "yes": return .boolean(true)
            case "false", "0", "off", "no": return .boolean(false)
            default: throw OptionValueError("not a boolean")
            }
        case let .integer(min, max):
            let trimmed = Substring(text).trimmingWhitespace()
            if trimmed.isEmpty { return .unset }
            guard let number = Self.pythonInteger(trimmed) else { throw OptionValueError("not an integer") }
            if let min, number < min { throw OptionValueError("out of range") }
            if let max, number > max { throw OptionValueError("out of range") }
            return .integer(number)
        case let .float(min, max):
            let trimmed = Substring(text).trimmingWhitespace()
            if trimmed.isEmpty { return .unset }
            guard let number = Self.pythonFloat(trimmed) else { throw OptionValueError("not a number") }
            if let min, number < min { throw OptionValueError("out of range") }
            if let max, number > max { throw OptionValueError("out of range") }
            return .float(number)
        case let .string(choices?):
            guard let match = choices.first(where: { $0.lowercased() == text.lowercased() }) else {
                throw OptionValueError("not an allowed value")
            }
            return .string(match)
        case .string(nil):
            return .string(text)
        case .list:
            return .list(Self.listItems(text))
        case .dict:
            return .dict(try Self.dictionary(text))
        }
    }

    /// Python's `int(text)` for base-10 text: optional sign, ASCII digits, single underscores between digits.
    private static func pythonInteger(_ text: Substring) -> Int? {
        var digits = text
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard let first = digits.first, let last = digits.last, first.isASCIIDigit, last.isASCIIDigit,
            !digits.contains("__"), digits.allSatisfy({ $0.isASCIIDigit || $0 == "_" })
        else { return nil }
        return Int((negative ? "-" : "") + digits.filter { $0 != "_" })
    }

    /// Python's `float(text)` for finite decimal text (no hexadecimal, no `inf`/`nan`).
    private static func pythonFloat(_ text: Substring) -> Double? {
        guard text.allSatisfy({ $0.isASCIIDigit || ".eE+-_".contains($0) }), !text.contains("__"),
            text.first != "_", text.last != "_", let number = Double(String(text.filter { $0 != "_" })),
            number.isFinite
        else { return nil }
        return number
    }

    /// `types.List` with string items: strip, drop one trailing comma run, split, strip each item.
    private static func listItems(_ text: String) -> [String] {
        var body = Substring(text).trimmingWhitespace()
        while body.last == "," { body = body.dropLast() }
        if body.isEmpty { return [] }
        return body.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0.trimmingWhitespace())
        }
    }

    /// `types.Dict` with string values. A piece without `:` is joined to the next one with its comma, as
    /// oslo.config retries a failed pair (so `a,b:c` is the key `a,b`).
    private static func dictionary(_ text: String) throws(OptionValueError) -> [String: String] {
        let body = Substring(text).trimmingWhitespace()
        if body.isEmpty { return [:] }
        var pieces = body.split(separator: ",", omittingEmptySubsequences: false)[...]
        var result: [String: String] = [:]
        while var pair = pieces.popFirst().map(String.init) {
            while !pair.contains(":") {
                guard let next = pieces.popFirst() else {
                    throw OptionValueError("\"\(pair)\" is not a key:value pair")
                }
                pair += "," + next
            }
            let parts = pair.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0].trimmingWhitespace())
            let value = String(parts[1].trimmingWhitespace())
            guard !key.isEmpty else { throw OptionValueError("a key is empty") }
            guard result[key] == nil else { throw OptionValueError("key \"\(key)\" appears twice") }
            result[key] = value
        }
        return result
    }
}

/// Why a value does not fit its option's kind. The loader turns it into a ``ConfigError`` with the location.
struct OptionValueError: Error, Sendable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// A value as oslo.config's types produce it, before it is read as a Swift type.
enum ParsedOptionValue: Sendable, Equatable {
    /// oslo.config's `None`: an empty integer or float.
    case unset
    case boolean(Bool)
    case integer(Int)
    case float(Double)
    case string(String)
    case list([String])
    case dict([String: String])
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
