import Foundation

/// The command line processor options that come before the command: `-t` (statements end with `;`), `-td<c>`
/// (with `<c>`), `-v` (echo), `-x` (no headings), `+o` (no output), `-s` (stop at the first error in a file),
/// `-f <file>` (read statements from a file). `-` turns an option on, `+` off; letters combine (`-tvf file`).
struct CLPOptions: Equatable {
    var terminator: Character?
    var echo = false
    var headings = true
    var output = true
    var stopOnError = false
    var file: String?

    /// Reads the options at the front of `arguments` and returns the rest (the command words).
    ///
    /// - Throws: ``DB2Failure`` DB21001E for an unknown option letter or `-f` without a file name.
    static func parse(_ arguments: [String]) throws -> (CLPOptions, [String]) {
        var options = CLPOptions()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.count > 1, let sign = argument.first, sign == "-" || sign == "+" else { break }
            let on = sign == "-"
            let letters = Array(argument.dropFirst())
            var position = 0
            letters: while position < letters.count {
                let letter = letters[position]
                switch letter {
                case "t":
                    options.terminator = on ? ";" : nil
                    if position + 2 < letters.count, letters[position + 1] == "d" {
                        options.terminator = letters[position + 2]
                        position += 2
                    }
                case "v": options.echo = on
                case "x": options.headings = !on
                case "o": options.output = on
                case "s": options.stopOnError = on
                case "a", "c", "d", "i", "m", "n", "p", "q", "w": break
                case "e":
                    if position + 1 < letters.count, "cs".contains(letters[position + 1]) { position += 1 }
                case "f", "l", "r", "z":
                    var name = String(letters[(position + 1)...])
                    if name.isEmpty {
                        index += 1
                        guard index < arguments.count else {
                            throw DB2Failure(DB2Message("DB21001E", "\(sign)\(letter)"))
                        }
                        name = arguments[index]
                    }
                    if letter == "f" { options.file = name }
                    break letters
                default:
                    throw DB2Failure(DB2Message("DB21001E", "\(sign)\(letter)"))
                }
                position += 1
            }
            index += 1
        }
        return (options, Array(arguments[index...]))
    }

    /// The statements of an input file: split at the terminator (outside quotes) with `-t`, one a line without it;
    /// `--` comment lines and blank statements are left out.
    func statements(in text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
        guard let terminator else {
            return lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var statements: [String] = []
        var current = ""
        var quote: Character?
        for character in lines.joined(separator: "\n") {
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                current.append(character)
            } else if character == terminator {
                statements.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        statements.append(current)
        return statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
