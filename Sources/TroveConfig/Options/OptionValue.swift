/// A Swift type an option can be read as: `Bool`, `Int`, `Double`, `String`, `[String]`, `[String: String]`,
/// or an optional of one of them.
protocol OptionValue: Sendable {
    /// The value from oslo.config's parsed form; `nil` when the form does not fit (an empty integer where a
    /// number is needed).
    static func fromParsed(_ parsed: ParsedOptionValue) -> Self?
    /// The value written as it would appear in a configuration file.
    var configText: String { get }
}

extension Bool: OptionValue {
    static func fromParsed(_ parsed: ParsedOptionValue) -> Bool? {
        if case let .boolean(value) = parsed { return value }
        return nil
    }
    var configText: String { self ? "true" : "false" }
}

extension Int: OptionValue {
    static func fromParsed(_ parsed: ParsedOptionValue) -> Int? {
        if case let .integer(value) = parsed { return value }
        return nil
    }
    var configText: String { String(self) }
}

extension Double: OptionValue {
    static func fromParsed(_ parsed: ParsedOptionValue) -> Double? {
        if case let .float(value) = parsed { return value }
        return nil
    }
    var configText: String { String(self) }
}

extension String: OptionValue {
    static func fromParsed(_ parsed: ParsedOptionValue) -> String? {
        if case let .string(value) = parsed { return value }
        return nil
    }
    var configText: String { self }
}

extension Array: OptionValue where Element == String {
    static func fromParsed(_ parsed: ParsedOptionValue) -> [String]? {
        if case let .list(value) = parsed { return value }
        return nil
    }
    var configText: String { joined(separator: ",") }
}

extension Dictionary: OptionValue where Key == String, Value == String {
    static func fromParsed(_ parsed: ParsedOptionValue) -> [String: String]? {
        if case let .dict(value) = parsed { return value }
        return nil
    }
    var configText: String { sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",") }
}

extension Optional: OptionValue where Wrapped: OptionValue {
    /// Empty text (an unset number, an empty string) is `nil`; anything else is read as `Wrapped`.
    static func fromParsed(_ parsed: ParsedOptionValue) -> Wrapped?? {
        switch parsed {
        case .unset, .string(""): return .some(nil)
        default: return Wrapped.fromParsed(parsed).map { .some($0) }
        }
    }
    var configText: String { self?.configText ?? "" }
}
