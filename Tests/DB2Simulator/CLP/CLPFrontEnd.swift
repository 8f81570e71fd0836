import Foundation

/// The `db2` command: options, then a command given as words (`db2 connect to X`) or one string
/// (`db2 "connect to X"`), or statements from a file (`-f`). One command returns its own code (0, 1, 2, 4, 8); a
/// file returns the logical OR of the distinct codes of its statements.
enum CLPFrontEnd {
    static func run(arguments: [String], environment: [String: String]) -> Int32 {
        let optionWords = (environment["DB2OPTIONS"] ?? "").split(separator: " ").map(String.init)
        let options: CLPOptions
        let words: [String]
        do {
            (options, words) = try CLPOptions.parse(optionWords + arguments)
        } catch let failure as DB2Failure {
            write("\(failure)\n")
            return 4
        } catch {
            return 8
        }
        let layout: InstanceLayout
        do {
            layout = try InstanceLayout.fromEnvironment(environment)
        } catch let failure as DB2Failure {
            write("\(failure)\n")
            return 4
        } catch {
            return 8
        }
        guard let backend = ProcessIdentity.parent else { return 8 }
        let session = CLPSession(layout: layout, backend: backend, readLine: { Swift.readLine() })
        let processor = CommandProcessor(session: session, headings: options.headings)

        if let file = options.file {
            guard let bytes = try? FileSystem.read(file) else {
                write("\(DB2Message("DB21005E", file))\n")
                return 8
            }
            return runStatements(options.statements(in: String(decoding: bytes, as: UTF8.self)), options, processor)
        }
        var command = words.joined(separator: " ").trimmingCharacters(in: .whitespaces)
        if command.isEmpty {
            let input = FileHandle.standardInput.readDataToEndOfFile()
            return runStatements(options.statements(in: String(decoding: input, as: UTF8.self)), options, processor)
        }
        if let terminator = options.terminator, command.last == terminator { command.removeLast() }
        if options.echo { write(command + "\n") }
        let result = options.applyingWarnings(processor.execute(command))
        if options.output { write(result.text) }
        return result.returnCode
    }

    private static func runStatements(_ statements: [String], _ options: CLPOptions, _ processor: CommandProcessor)
        -> Int32
    {
        var code: Int32 = 0
        for statement in statements {
            if options.echo { write(statement + "\n") }
            let result = options.applyingWarnings(processor.execute(statement))
            if options.output { write(result.text + "\n") }
            code |= result.returnCode
            if options.stopOnError, result.returnCode >= 4 { break }
        }
        return code
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
