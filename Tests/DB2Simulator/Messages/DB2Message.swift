import Foundation

/// One message as DB2 prints it: an identifier such as `SQL1032N` or `DB20000I`, its text, and for SQL messages the
/// SQLSTATE. The last letter of the identifier is the severity: `I` information, `W` warning, `N`/`C`/`E` error.
struct DB2Message: Error, Sendable, Equatable, CustomStringConvertible {
    let id: String
    let text: String
    let sqlState: String?

    init(id: String, text: String, sqlState: String? = nil) {
        self.id = id
        self.text = text
        self.sqlState = sqlState
    }

    /// A message of the catalogue with its `{1}`, `{2}`, ... tokens replaced by `tokens`. Identifiers missing from
    /// the catalogue (a fault may name any) get a neutral text.
    init(_ id: String, _ tokens: String...) {
        self.init(id, tokens: tokens)
    }

    init(_ id: String, tokens: [String]) {
        let key = id.uppercased()
        guard let template = MessageCatalogue.templates[key] else {
            self.init(id: key, text: "The operation failed (simulated message \(key)).", sqlState: nil)
            return
        }
        var text = template.text
        for (index, token) in tokens.enumerated() { text = text.replacingOccurrences(of: "{\(index + 1)}", with: token) }
        self.init(id: key, text: text, sqlState: template.sqlState)
    }

    var isWarning: Bool { id.hasSuffix("W") }

    var isInformational: Bool { id.hasSuffix("I") }

    var isError: Bool { !isWarning && !isInformational }

    /// The CLP return code the message alone leads to: 0 information, 2 warning, 4 error; SQL0100W (no row,
    /// SQLCODE +100) is 1, like a query without rows.
    var returnCode: Int32 {
        if id == "SQL0100W" { return 1 }
        return isError ? 4 : (isWarning ? 2 : 0)
    }

    /// The SQLCODE of an SQL message (negative for errors), nil for CLP and utility messages.
    var sqlCode: Int? {
        guard id.hasPrefix("SQL"), let number = Int(id.dropFirst(3).dropLast()) else { return nil }
        return isError ? -number : number
    }

    /// The message as the CLP writes it: identifier, two blanks, the text, two blanks and the SQLSTATE, wrapped
    /// between words so that no line is longer than 78 columns (the CLP's messages leave the last two of 80 free).
    var description: String {
        var line = "\(id)  \(text)"
        if let sqlState { line += "  SQLSTATE=\(sqlState)" }
        return Self.wrap(line, width: 78)
    }

    /// Breaks `line` between words into lines of at most `width` columns; the blanks at a break are dropped.
    static func wrap(_ line: String, width: Int) -> String {
        var pieces: [(gap: Int, word: Substring)] = []
        var gap = 0
        var index = line.startIndex
        while index < line.endIndex {
            if line[index] == " " {
                gap += 1
                index = line.index(after: index)
                continue
            }
            let end = line[index...].firstIndex(of: " ") ?? line.endIndex
            pieces.append((gap, line[index..<end]))
            gap = 0
            index = end
        }
        var lines: [String] = []
        var current = ""
        for (position, piece) in pieces.enumerated() {
            if position == 0 {
                current = String(repeating: " ", count: piece.gap) + piece.word
            } else if current.count + piece.gap + piece.word.count <= width {
                current += String(repeating: " ", count: piece.gap) + piece.word
            } else {
                lines.append(current)
                current = String(piece.word)
            }
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }
}

/// A command that failed (or only warned) with one or more messages, printed in order.
struct DB2Failure: Error, CustomStringConvertible {
    let messages: [DB2Message]

    init(_ messages: DB2Message...) { self.messages = messages }

    init(messages: [DB2Message]) { self.messages = messages }

    var returnCode: Int32 { messages.map(\.returnCode).max() ?? 4 }

    var description: String { messages.map(\.description).joined(separator: "\n") }
}

extension DB2Message {
    /// `DB20000I  The <command> command completed successfully.`
    static func completed(_ command: String) -> DB2Message { DB2Message("DB20000I", command) }
}
