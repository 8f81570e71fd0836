import Foundation

/// The words of a CLP command: blank-separated, with `'...'` and `"..."` kept together (quotes removed), and `(`,
/// `)` and `,` as words of their own. Paths such as `/home/db2inst1/backup` stay one word.
struct CommandWords {
    struct Word: Equatable {
        let text: String
        let quoted: Bool
        var upper: String { text.uppercased() }
    }

    private(set) var words: [Word]
    private(set) var index = 0

    init(_ text: String) {
        var words: [Word] = []
        var current = ""
        var quote: Character?
        var wasQuoted = false
        func flush() {
            if !current.isEmpty || wasQuoted { words.append(Word(text: current, quoted: wasQuoted)) }
            current = ""
            wasQuoted = false
        }
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                wasQuoted = true
            } else if character.isWhitespace {
                flush()
            } else if "(),".contains(character) {
                flush()
                words.append(Word(text: String(character), quoted: false))
            } else {
                current.append(character)
            }
        }
        flush()
        self.words = words
    }

    var isAtEnd: Bool { index >= words.count }

    var peek: Word? { isAtEnd ? nil : words[index] }

    /// The upper-cased word `offset` words ahead.
    func upper(at offset: Int = 0) -> String? {
        index + offset < words.count ? words[index + offset].upper : nil
    }

    mutating func next() -> Word? {
        guard let word = peek else { return nil }
        index += 1
        return word
    }

    /// Consumes the keyword (unquoted, case-insensitive) when it is next.
    mutating func accept(_ keyword: String) -> Bool {
        guard let word = peek, !word.quoted, word.upper == keyword else { return false }
        index += 1
        return true
    }

    /// Consumes the keywords when they all come next, in order.
    mutating func accept(_ keywords: [String]) -> Bool {
        for (offset, keyword) in keywords.enumerated() {
            guard let word = index + offset < words.count ? words[index + offset] : nil, !word.quoted,
                word.upper == keyword
            else { return false }
        }
        index += keywords.count
        return true
    }

    /// - Throws: ``DB2Failure`` SQL0104N when the keyword is not next.
    mutating func expect(_ keyword: String) throws {
        guard accept(keyword) else { throw unexpected(expected: keyword) }
    }

    /// The next word as a value (a name, a path, a number).
    mutating func value(expected: String) throws -> Word {
        guard let word = peek, word.quoted || !["(", ")", ","].contains(word.text) else {
            throw unexpected(expected: expected)
        }
        index += 1
        return word
    }

    /// SQL0104N for the word at the current position, as the CLP reports a command it cannot parse.
    func unexpected(expected: String) -> DB2Failure {
        let previous = index > 0 ? words[index - 1].text : "BEGIN-OF-STATEMENT"
        let token = peek?.text ?? "END-OF-STATEMENT"
        return DB2Failure(DB2Message("SQL0104N", token, previous, expected))
    }

    /// - Throws: ``DB2Failure`` SQL0104N when words are left.
    func expectEnd() throws {
        if !isAtEnd { throw unexpected(expected: "END-OF-STATEMENT") }
    }
}
