import Foundation

/// The values of one configuration (the database manager's or a database's): only values that differ from the
/// defaults are stored; everything else reads as the table's default.
struct ConfigurationValues: Codable, Sendable, Equatable {
    private(set) var values: [String: String] = [:]

    init() {}

    init(values: [String: String]) { self.values = values }

    /// The value of `name` in `table` (with `{HOME}` and `{LOGPATH}` replaced by `placeholders`).
    func value(_ name: String, in table: [ConfigParameter], placeholders: [String: String] = [:]) -> String {
        if let set = values[name] { return set }
        let template = table.first(where: { $0.name == name })?.defaultValue ?? ""
        return Self.substitute(template, placeholders)
    }

    mutating func set(_ name: String, _ value: String) { values[name] = value }

    /// Checks and normalizes `UPDATE ... USING name value [AUTOMATIC]` against the parameter's kind.
    ///
    /// - Throws: ``DB2Failure`` with SQL0104N for an unknown parameter or a value of the wrong form, SQL5130N for a
    ///   number out of range, SQL5099N for a log archive method naming a missing directory.
    static func normalize(
        name: String, value rawValue: String, automatic: Bool, current: String, in table: [ConfigParameter]
    ) throws -> String {
        guard let parameter = table.first(where: { $0.name == name }) else {
            throw DB2Failure(DB2Message("SQL0104N", name, "USING", "<config-parameter>"))
        }
        let value = rawValue
        switch parameter.kind {
        case .status, .heading:
            throw DB2Failure(DB2Message("SQL0104N", name, "USING", "<config-parameter>"))
        case .text:
            return value
        case .keyword(let keywords):
            guard let match = keywords.first(where: { $0.caseInsensitiveCompare(value) == .orderedSame }) else {
                throw DB2Failure(DB2Message("SQL0104N", value, name, keywords.first ?? ""))
            }
            return match
        case .integer(let range):
            guard let number = Int(value) else { throw DB2Failure(DB2Message("SQL0104N", value, name, "<integer>")) }
            guard range.contains(number) else {
                throw DB2Failure(DB2Message("SQL5130N", name.lowercased(), "\(range.lowerBound)", "\(range.upperBound)"))
            }
            return String(number)
        case .automaticInteger(let range):
            if value.uppercased() == "AUTOMATIC" {
                let digits = current.filter(\.isNumber)
                return digits.isEmpty ? "AUTOMATIC" : "AUTOMATIC(\(digits))"
            }
            guard let number = Int(value) else { throw DB2Failure(DB2Message("SQL0104N", value, name, "AUTOMATIC")) }
            guard range.contains(number) else {
                throw DB2Failure(DB2Message("SQL5130N", name.lowercased(), "\(range.lowerBound)", "\(range.upperBound)"))
            }
            return automatic ? "AUTOMATIC(\(number))" : String(number)
        case .archiveMethod:
            return try normalizeArchiveMethod(value, parameter: name)
        }
    }

    /// `OFF`, `LOGRETAIN`, `USEREXIT`, `TSM[:class]`, `VENDOR:lib` or `DISK:<existing absolute directory>/`.
    private static func normalizeArchiveMethod(_ value: String, parameter: String) throws -> String {
        let upper = value.uppercased()
        if ["OFF", "LOGRETAIN", "USEREXIT", "TSM"].contains(upper) { return upper }
        guard let colon = value.firstIndex(of: ":") else {
            throw DB2Failure(DB2Message("SQL5099N", value, parameter, "1"))
        }
        let method = value[..<colon].uppercased()
        var target = String(value[value.index(after: colon)...])
        switch method {
        case "DISK":
            guard target.hasPrefix("/"), FileSystem.isDirectory(target) else {
                throw DB2Failure(DB2Message("SQL5099N", value, parameter, "2"))
            }
            if !target.hasSuffix("/") { target += "/" }
            return "DISK:\(target)"
        case "TSM", "VENDOR":
            return "\(method):\(target)"
        default:
            throw DB2Failure(DB2Message("SQL5099N", value, parameter, "1"))
        }
    }

    /// The lines of a configuration listing, each value looked up with `value(for:)` (status lines included).
    static func render(_ table: [ConfigParameter], value: (ConfigParameter) -> String) -> [String] {
        table.map { $0.rendered(value: value($0)) }
    }

    static func substitute(_ template: String, _ placeholders: [String: String]) -> String {
        var text = template
        for (key, value) in placeholders { text = text.replacingOccurrences(of: "{\(key)}", with: value) }
        return text
    }
}
