import Foundation

/// A lexical token of an SQL statement.
struct SQLToken: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        /// An ordinary identifier or keyword, folded to upper case.
        case word
        /// A delimited identifier (`"..."`), kept as written.
        case quotedIdentifier
        case string
        case number
        /// Punctuation and operators: `( ) , . * = < > <= >= <> ; ? + -`.
        case symbol
    }

    let kind: Kind
    let text: String

    /// True when the token is the keyword `keyword` (an ordinary identifier, case-folded).
    func isKeyword(_ keyword: String) -> Bool { kind == .word && text == keyword }

    func isSymbol(_ symbol: String) -> Bool { kind == .symbol && text == symbol }

    /// The token as SQL0104N quotes it.
    var quoted: String { kind == .string ? "'\(text)'" : text }
}

/// Splits SQL text into tokens.
enum SQLTokenizer {
    /// - Throws: ``DB2Failure`` with SQL0104N for an unterminated string or identifier or a character SQL does
    ///   not use.
    static func tokenize(_ text: String) throws -> [SQLToken] {
        var tokens: [SQLToken] = []
        let characters = Array(text)
        var index = 0
        func previous() -> String { tokens.last?.quoted ?? "BEGIN-OF-STATEMENT" }
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
            } else if character == "-", index + 1 < characters.count, characters[index + 1] == "-" {
                while index < characters.count, characters[index] != "\n" { index += 1 }
            } else if character == "'" || character == "\"" {
                let (value, next) = try quoted(characters, from: index, previous: previous())
                index = next
                tokens.append(SQLToken(kind: character == "'" ? .string : .quotedIdentifier, text: value))
            } else if character.isNumber {
                var value = ""
                while index < characters.count, characters[index].isNumber || characters[index] == "." {
                    value.append(characters[index])
                    index += 1
                }
                tokens.append(SQLToken(kind: .number, text: value))
            } else if character.isLetter || character == "_" || character == "@" || character == "#" || character == "$" {
                var value = ""
                while index < characters.count,
                    characters[index].isLetter || characters[index].isNumber
                        || "_@#$".contains(characters[index])
                {
                    value.append(characters[index])
                    index += 1
                }
                tokens.append(SQLToken(kind: .word, text: value.uppercased()))
            } else if "<>".contains(character), index + 1 < characters.count,
                characters[index + 1] == "=" || (character == "<" && characters[index + 1] == ">")
            {
                tokens.append(SQLToken(kind: .symbol, text: String([character, characters[index + 1]])))
                index += 2
            } else if character == "!", index + 1 < characters.count, characters[index + 1] == "=" {
                tokens.append(SQLToken(kind: .symbol, text: "<>"))
                index += 2
            } else if "(),.*=<>;?+-".contains(character) {
                tokens.append(SQLToken(kind: .symbol, text: String(character)))
                index += 1
            } else {
                throw DB2Failure(DB2Message("SQL0104N", String(character), previous(), "<space>"))
            }
        }
        return tokens
    }

    /// Reads a string constant (`'...'`) or delimited identifier (`"..."`) starting at `start`, where a doubled
    /// delimiter stands for one; returns its text and the index after it.
    private static func quoted(_ characters: [Character], from start: Int, previous: String) throws -> (String, Int) {
        let delimiter = characters[start]
        var value = ""
        var index = start + 1
        while index < characters.count {
            if characters[index] == delimiter {
                guard index + 1 < characters.count, characters[index + 1] == delimiter else { return (value, index + 1) }
                index += 1
            }
            value.append(characters[index])
            index += 1
        }
        throw DB2Failure(DB2Message("SQL0104N", "\(delimiter)\(value)", previous, String(delimiter)))
    }
}
