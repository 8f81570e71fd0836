import Foundation

/// The command line processor options that come before the command: `-t` (statements end with `;`), `-td<c>`
/// (with `<c>`), `-v` (echo), `-x` (no headings), `+o` (no output), `-s` (stop at the first error in a file),
/// `+w` (warnings suppressed: return codes 1 and 2 become 0), `-f <file>` (read statements from a file). `-` turns an
/// option on, `+` off, and so does a `-` after the letter (`-c-`); letters are case-insensitive (`-A` is `-a`) and
/// combine (`-tvf file`). (IBM, *Command line processor options*,
/// https://www.ibm.com/docs/en/db2/11.5?topic=clp-options; *Command line processor return codes*,
/// https://www.ibm.com/docs/en/db2/12.1.x?topic=clp-return-codes.)
struct CLPOptions: Equatable {
    var terminator: Character?
    var echo = false
    var headings = true
    var output = true
    var stopOnError = false
    /// `-w` (the default): warnings shown and return codes 1 and 2 given; `+w`: neither.
    var warnings = true
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
            let letters = Array(argument.dropFirst())
            var position = 0
            letters: while position < letters.count {
                let letter = Character(letters[position].lowercased())
                // `-x-` turns x off like `+x` (not for the options that take a value after them).
                var on = sign == "-"
                if !"tfelrz".contains(letter), position + 1 < letters.count, letters[position + 1] == "-" {
                    on = false
                    position += 1
                }
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
                case "w": options.warnings = on
                case "a", "c", "d", "i", "m", "n", "p", "q": break
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
                    throw DB2Failure(DB2Message("DB21001E", "\(sign)\(letters[position])"))
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

    /// With `+w`, "warnings are suppressed, 1 and 2 codes are never returned, and 0 is returned in such cases" (IBM,
    /// *Command line processor return codes*): a result that is a warning message alone prints nothing, and the code
    /// is 0.
    func applyingWarnings(_ result: CommandOutput) -> CommandOutput {
        guard !warnings, result.returnCode == 1 || result.returnCode == 2 else { return result }
        var quiet = result
        quiet.returnCode = 0
        let firstWord = result.text.prefix { !$0.isWhitespace }
        if firstWord.count >= 8, firstWord.last == "W", firstWord.hasPrefix("SQL") || firstWord.hasPrefix("DB2") {
            quiet.text = ""
        }
        return quiet
    }
}
