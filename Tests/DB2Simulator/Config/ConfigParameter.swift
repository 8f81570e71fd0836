import Foundation

/// One line of `GET DATABASE MANAGER CONFIGURATION` or `GET DATABASE CONFIGURATION`: a description, the parameter's
/// name in parentheses when it has one, and the value, laid out as DB2 lays it out.
struct ConfigParameter: Sendable {
    /// What values an `UPDATE ... CONFIGURATION ... USING NAME VALUE` accepts.
    enum Kind: Sendable {
        /// Any text (paths, names, option strings).
        case text
        /// A whole number in a range.
        case integer(ClosedRange<Int>)
        /// A whole number in a range, or `AUTOMATIC`, shown as `AUTOMATIC(n)`.
        case automaticInteger(ClosedRange<Int>)
        /// One of a few keywords (`ON`/`OFF`, `YES`/`NO`, ...).
        case keyword([String])
        /// A log archive method: `OFF`, `LOGRETAIN`, `USEREXIT`, `DISK:<dir>`, `TSM[:class]`, `VENDOR:<lib>`.
        case archiveMethod
        /// Shown but not updatable (reported by the database, not set).
        case status
        /// A description alone, introducing the indented lines after it.
        case heading
    }

    let description: String
    let name: String?
    let defaultValue: String
    let kind: Kind

    init(_ description: String, _ name: String?, _ defaultValue: String, _ kind: Kind = .text) {
        self.description = description
        self.name = name
        self.defaultValue = defaultValue
        self.kind = kind
    }

    /// An empty line between groups.
    static let blank = ConfigParameter("", nil, "", .status)

    /// A line with a description only (it introduces the indented lines after it).
    static func heading(_ description: String) -> ConfigParameter { ConfigParameter(description, nil, "", .heading) }

    var isBlank: Bool { description.isEmpty && name == nil }

    var isHeading: Bool {
        if case .heading = kind { return true }
        return false
    }

    /// The line as DB2 prints it: the left side (description and `(NAME)`) is 56 columns wide, then ` = value`.
    func rendered(value: String) -> String {
        if isBlank { return "" }
        if isHeading { return " " + description }
        var left = " " + description
        if let name {
            let tag = "(\(name))"
            let padding = max(0, 56 - left.count - tag.count)
            left += String(repeating: " ", count: padding) + tag
        } else if left.count < 56 {
            left += String(repeating: " ", count: 56 - left.count)
        }
        return "\(left) = \(value)"
    }
}
