#if canImport(Glibc)
import Glibc
#endif
import AgentSupport
import FoundationEssentials

/// One message as the DB2 command line processor prints it: `SQL1116N  A connection to ... state.  SQLSTATE=57019`.
///
/// The CLP wraps long messages at 78 columns; ``parseAll(_:)`` joins the wrapped lines again.
public struct DB2Message: Sendable, Equatable, CustomStringConvertible {
    /// How bad the message is, from the identifier's last letter.
    public enum Severity: Sendable, Equatable {
        /// `I`: information.
        case information
        /// `W`: a warning; the command did what it could.
        case warning
        /// `N`, `E`: an error; the command failed.
        case error
        /// `C`: a critical (system) error.
        case critical
    }

    /// The identifier, e.g. `SQL1116N`, `DB20000I`, `SQL0100W`.
    public let identifier: String
    /// The message text after the identifier, wrapped lines joined, without the SQLSTATE.
    public let text: String
    /// The `SQLSTATE=xxxxx` value, when the message has one.
    public let sqlState: String?

    public init(identifier: String, text: String, sqlState: String? = nil) {
        self.identifier = identifier
        self.text = text
        self.sqlState = sqlState
    }

    public var severity: Severity {
        switch identifier.last {
        case "I": .information
        case "W": .warning
        case "C": .critical
        default: .error
        }
    }

    /// Whether the message reports a failure (severity error or critical).
    public var isError: Bool { severity == .error || severity == .critical }

    /// `SQL1116N` → `SQL1116` (the number part with its prefix), for comparisons that ignore the severity letter.
    public var code: Substring { identifier.dropLast() }

    public var description: String {
        sqlState.map { "\(identifier)  \(text)  SQLSTATE=\($0)" } ?? "\(identifier)  \(text)"
    }

    /// Every message in `output`, in order.
    ///
    /// A message starts with its identifier followed by two blanks, at the start of a line or after blanks (as in
    /// `db2start`'s member lines); it continues on the following lines until a blank line, a line that starts another
    /// message, or its `SQLSTATE=`.
    public static func parseAll(_ output: String) -> [DB2Message] {
        var messages: [DB2Message] = []
        var current: (identifier: String, text: String)?

        func finish() {
            guard let (identifier, text) = current else { return }
            current = nil
            var body = text.trimmingBlanks()
            var state: String?
            if let range = body.lastRange(of: "SQLSTATE=") {
                state = String(body[range.upperBound...].prefix { $0.isLetter || $0.isNumber })
                body = String(body[..<range.lowerBound]).trimmingBlanks()
            }
            messages.append(DB2Message(identifier: identifier, text: body, sqlState: state))
        }

        for rawLine in output.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingBlanks()
            if line.isEmpty {
                finish()
                continue
            }
            if let (identifier, rest) = leadingIdentifier(in: rawLine) {
                finish()
                current = (identifier, rest)
                if rest.contains("SQLSTATE=") { finish() }
            } else if var open = current {
                open.text += " " + line
                current = open
                if line.contains("SQLSTATE=") { finish() }
            }
        }
        finish()
        return messages
    }

    /// The identifier that starts a message in `line` (at its start, or after a blank as in db2start's member
    /// lines), and the text after it.
    static func leadingIdentifier(in line: Substring) -> (String, String)? {
        var searchStart = line.startIndex
        while searchStart < line.endIndex {
            let candidate = line[searchStart...]
            if let identifier = identifierPrefix(of: candidate) {
                let after = candidate.dropFirst(identifier.count)
                if after.isEmpty || after.hasPrefix("  ") {
                    return (identifier, String(after).trimmingBlanks())
                }
            }
            // Identifiers stand at the start or after a blank.
            guard let blank = line[searchStart...].firstIndex(of: " ") else { return nil }
            searchStart = line.index(after: blank)
        }
        return nil
    }

    /// `SQL`/`DB2`/`DBA`/`DBI`/`DBT`/`ADM` + 4 or 5 digits + a severity letter, at the start of `text`.
    private static func identifierPrefix(of text: Substring) -> String? {
        let prefixes = ["SQL", "DB2", "DBA", "DBI", "DBT", "ADM"]
        guard let prefix = prefixes.first(where: { text.hasPrefix($0) }) else { return nil }
        let digits = text.dropFirst(prefix.count).prefix { $0.isASCII && $0.isNumber }
        guard digits.count == 4 || digits.count == 5 else { return nil }
        let rest = text.dropFirst(prefix.count + digits.count)
        guard let letter = rest.first, "NWICE".contains(letter) else { return nil }
        if let next = rest.dropFirst().first, next != " " { return nil }
        return prefix + digits + String(letter)
    }
}

extension StringProtocol {
    /// The text without leading and trailing blanks, tabs and carriage returns.
    func trimmingBlanks() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
