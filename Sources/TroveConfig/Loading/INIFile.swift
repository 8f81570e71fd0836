/// One configuration file, parsed exactly as oslo.config's `iniparser` parses it.
///
/// The rules, mirrored from `oslo_config/iniparser.py` and `oslo_config/cfg.py` (`ConfigParser`):
/// - Trailing whitespace is removed from every line. A blank line ends a multi-line value.
/// - `#` or `;` **in the first column** starts a comment. There are no inline comments: in `key = a # b` the
///   value is `a # b`. A comment line also ends a multi-line value.
/// - A line that starts with a space or a tab continues the previous value: it is appended, without its leading
///   whitespace, after a newline. With no value to continue it is an error (so an indented comment right after a
///   section header is an error, as in oslo.config).
/// - `[name]` starts a section; sections of the same name merge. Section names are compared in lower case,
///   except `DEFAULT`, which must be written in capitals (`[default]` is another section, as in oslo.config).
/// - `key = value` or `key: value`, split at whichever of `=` and `:` comes first. Key and value are trimmed,
///   and a value that starts and ends with the same quote character (`"` or `'`) loses those two quotes.
///   Keys are case-sensitive. An assignment before the first section header is an error.
/// - When a key appears more than once in a file, the last assignment wins.
/// - Line endings may be `\n`, `\r\n` or `\r`; a UTF-8 byte-order mark is ignored.
struct INIFile: Sendable {
    /// One `key = value` assignment, with the line of its key.
    struct Assignment: Sendable, Equatable {
        /// The key as written (trimmed).
        let key: String
        /// The value after quote removal, with continuation lines joined by `\n`.
        let value: String
        /// 1-based line of the key.
        let line: Int
        /// The section header as written, before normalisation.
        let section: String
    }

    /// The file's name as given to the loader (a path, or a label for in-memory text).
    let path: String
    /// Every assignment, in file order.
    let assignments: [Assignment]
    /// Normalised section name → key → the last assignment of that key in that section.
    private let index: [String: [String: Assignment]]
    /// Normalised section names in order of first appearance, with the line of their first header.
    let sections: [(name: String, line: Int)]

    /// Parses `text` as the content of the file named `path`.
    ///
    /// - Throws: ``ConfigError`` of kind `.malformedFile` at the first line oslo.config would reject. The message
    ///   never repeats more of the line than its first word, since a malformed line may hold a password.
    init(path: String, text: String) throws(ConfigError) {
        self.path = path
        var parser = Parser(path: path)
        try parser.parse(text)
        assignments = parser.assignments
        sections = parser.sectionOrder
        var index: [String: [String: Assignment]] = [:]
        for assignment in parser.assignments {
            index[INIFile.normalizedSection(assignment.section), default: [:]][assignment.key] = assignment
        }
        self.index = index
    }

    /// The last assignment of `key` in the section called `section` (compared as oslo.config compares sections).
    func assignment(section: String, key: String) -> Assignment? {
        index[INIFile.normalizedSection(section)]?[key]
    }

    /// oslo.config's `_normalize_group_name`: lower case, except `DEFAULT`.
    static func normalizedSection(_ name: String) -> String {
        name == "DEFAULT" ? name : name.lowercased()
    }
}

extension INIFile {
    /// The line-by-line state machine of oslo.config's `BaseParser.parse`.
    private struct Parser {
        let path: String
        var assignments: [Assignment] = []
        var sectionOrder: [(name: String, line: Int)] = []
        private var seenSections: Set<String> = []
        private var section: String?
        /// The assignment being collected: key, value lines, line of the key.
        private var pending: (key: String, lines: [String], line: Int)?

        init(path: String) { self.path = path }

        mutating func parse(_ text: String) throws(ConfigError) {
            var body = Substring(text)
            if body.first == "\u{FEFF}" { body = body.dropFirst() }
            // Python's universal newlines: "\r\n" and "\r" end a line like "\n". Swift treats "\r\n" as one
            // Character, so splitting on the three cases covers all of them.
            let lines = body.split(
                omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            for (offset, rawLine) in lines.enumerated() {
                try parseLine(rawLine, number: offset + 1)
            }
            try flush()
        }

        private mutating func parseLine(_ rawLine: Substring, number: Int) throws(ConfigError) {
            let line = rawLine.trimmingTrailingWhitespace()
            if line.isEmpty {
                try flush()
                return
            }
            if line.first == " " || line.first == "\t" {
                guard pending != nil else {
                    throw malformed(
                        number,
                        "unexpected continuation line: an indented line continues the previous option's value, "
                            + "and there is none here (a section header, blank line or comment ended it)"
                    )
                }
                pending?.lines.append(String(line.trimmingLeadingWhitespace()))
                return
            }
            try flush()
            if line.first == "[" {
                guard line.last == "]" else {
                    throw malformed(number, "invalid section header \"\(line.prefix(60))\": it must end with \"]\"")
                }
                guard line.count > 2 else { throw malformed(number, "empty section name \"[]\"") }
                let name = String(line.dropFirst().dropLast())
                section = name
                let normalized = INIFile.normalizedSection(name)
                if seenSections.insert(normalized).inserted { sectionOrder.append((normalized, number)) }
            } else if line.first == "#" || line.first == ";" {
                return
            } else {
                let (key, value) = try splitAssignment(line, number: number)
                pending = (key, [value], number)
            }
        }

        /// oslo.config's `_split_key_value`: split at the first `=` or `:`, trim, strip one pair of matching quotes.
        private func splitAssignment(_ line: Substring, number: Int) throws(ConfigError) -> (String, String) {
            let equal = line.firstIndex(of: "=")
            let colon = line.firstIndex(of: ":")
            let separator: Substring.Index
            switch (equal, colon) {
            case (nil, nil):
                let firstWord = line.prefix(while: { !$0.isWhitespace })
                throw malformed(
                    number,
                    "\"\(firstWord.prefix(60))…\" is not an assignment: no \"=\" or \":\" found "
                        + "(write `option = value`; comments start with # or ; in the first column)"
                )
            case let (equal?, colon?): separator = min(equal, colon)
            case let (equal?, nil): separator = equal
            case let (nil, colon?): separator = colon
            }
            let key = String(line[..<separator].trimmingWhitespace())
            guard !key.isEmpty else { throw malformed(number, "empty option name before \"\(line[separator])\"") }
            var value = line[line.index(after: separator)...].trimmingWhitespace()
            if let first = value.first, first == value.last, first == "\"" || first == "'" {
                value = value.dropFirst().dropLast()
            }
            return (key, String(value))
        }

        private mutating func flush() throws(ConfigError) {
            guard let (key, lines, line) = pending else { return }
            pending = nil
            guard let section else {
                throw malformed(line, "option \"\(key)\" appears before any [section] header (start with [DEFAULT])")
            }
            assignments.append(
                Assignment(key: key, value: lines.joined(separator: "\n"), line: line, section: section)
            )
        }

        private func malformed(_ line: Int, _ message: String) -> ConfigError {
            ConfigError(.malformedFile, file: path, line: line, message: message)
        }
    }
}

extension Substring {
    /// Python's `str.strip()`: Unicode whitespace on both ends.
    func trimmingWhitespace() -> Substring {
        trimmingLeadingWhitespace().trimmingTrailingWhitespace()
    }

    /// Python's `str.lstrip()`.
    func trimmingLeadingWhitespace() -> Substring {
        drop(while: { $0.isWhitespace })
    }

    /// Python's `str.rstrip()`.
    func trimmingTrailingWhitespace() -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)].isWhitespace { end = index(before: end) }
        return self[startIndex..<end]
    }
}
