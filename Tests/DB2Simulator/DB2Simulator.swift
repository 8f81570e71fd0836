import Foundation

/// The DB2 stand-in: one executable that acts as `db2`, `db2start`, `db2stop`, `db2set`, `db2ckbkp`, `db2level`,
/// `db2iauto` or `db2sysc`
/// depending on the name it is run by, and as `db2sim install` / `db2sim fault` under its own name.
///
/// ```
/// db2sim install --home /home/db2inst1 --instance db2inst1
/// . /home/db2inst1/sqllib/db2profile
/// db2start && db2 create database sample
/// ```
public enum DB2Simulator {
    /// Runs the tool named by `arguments[0]` and returns the exit code.
    public static func main(arguments: [String], environment: [String: String]) -> Int32 {
        let tool = (arguments.first ?? "db2sim").split(separator: "/").last.map(String.init) ?? "db2sim"
        let rest = Array(arguments.dropFirst())
        switch tool {
        case "db2":
            return CLPFrontEnd.run(arguments: rest, environment: environment)
        case "db2start", "db2stop":
            return serverCommand(tool, rest, environment: environment)
        case "db2set":
            return withInstance(environment) { layout in
                let (output, code) = try RegistryTool.run(rest, store: InstanceStore(layout: layout))
                CLPFrontEnd.write(output)
                return code
            }
        case "db2level":
            return withInstance(environment) { layout in
                CLPFrontEnd.write(InstallationTools.level(layout))
                return 0
            }
        case "db2iauto":
            let (output, code) = InstallationTools.autostart(rest, environment: environment)
            CLPFrontEnd.write(output)
            return code
        case "db2ckbkp":
            let (output, code) = CheckBackupTool.run(rest)
            CLPFrontEnd.write(output)
            return code
        case "db2sysc":
            guard let layout = try? InstanceLayout.fromEnvironment(environment) else { return 1 }
            ServerProcess.serve(layout: layout)
        default:
            return simulatorCommand(rest, environment: environment)
        }
    }

    private static func serverCommand(_ tool: String, _ arguments: [String], environment: [String: String]) -> Int32 {
        withInstance(environment) { layout in
            guard let backend = ProcessIdentity.parent else { return 1 }
            let session = CLPSession(layout: layout, backend: backend, readLine: { nil })
            do {
                try session.faults.checkpoint(.start, command: ([tool] + arguments).joined(separator: " "))
                let outcome: ServerProcess.Outcome
                if tool == "db2start" {
                    outcome = try ServerProcess.start(session)
                    // A partial start: the engine runs, and db2start reports the failure (exit 1).
                    try session.faults.checkpoint(.afterStart, command: ([tool] + arguments).joined(separator: " "))
                } else {
                    let force = arguments.contains { $0.uppercased() == "FORCE" }
                    outcome = try ServerProcess.stop(session, force: force)
                }
                CLPFrontEnd.write(outcome.output)
                return outcome.exitCode
            } catch let failure as DB2Failure {
                let outcome = ServerProcess.Outcome(message: failure.messages.last ?? DB2Message("SQL0902C"), exitCode: 1)
                CLPFrontEnd.write(outcome.output)
                return 1
            }
        }
    }

    /// Runs `body` with the instance the environment names, printing DB2's message when there is none.
    private static func withInstance(_ environment: [String: String], _ body: (InstanceLayout) throws -> Int32) -> Int32 {
        do {
            return try body(try InstanceLayout.fromEnvironment(environment))
        } catch let failure as DB2Failure {
            CLPFrontEnd.write("\(failure)\n")
            return 1
        } catch {
            CLPFrontEnd.write("\(DB2Message("SQL0902C", "\(error)"))\n")
            return 1
        }
    }

    private static let usage = """
        usage: db2sim install --home DIR [--instance NAME]
               db2sim fault (add|list|clear) ...   (see db2sim fault)
        Run as db2, db2start, db2stop, db2set, db2ckbkp (links that install creates) it acts as that DB2 tool.
        """

    private static func simulatorCommand(_ arguments: [String], environment: [String: String]) -> Int32 {
        do {
            switch arguments.first {
            case "install":
                var home: String?
                var instance = "db2inst1"
                var index = 1
                while index < arguments.count {
                    let name = arguments[index]
                    guard index + 1 < arguments.count else { throw FaultCommand.UsageError(description: "\(name) needs a value") }
                    switch name {
                    case "--home": home = arguments[index + 1]
                    case "--instance": instance = arguments[index + 1]
                    default: throw FaultCommand.UsageError(description: "unexpected argument \"\(name)\"\n\(usage)")
                    }
                    index += 2
                }
                guard let home else { throw FaultCommand.UsageError(description: "--home DIR is required\n\(usage)") }
                guard CommandProcessor.isValidInstanceName(instance) else {
                    throw FaultCommand.UsageError(
                        description: "\"\(instance)\" is not a valid instance name (1 to 8 of a-z, 0-9, _; not starting with a digit)")
                }
                CLPFrontEnd.write(try Installer.install(home: home, instanceName: instance).map { $0 + "\n" }.joined())
                return 0
            case "fault":
                CLPFrontEnd.write(try FaultCommand.run(Array(arguments.dropFirst()), environment: environment))
                return 0
            default:
                throw FaultCommand.UsageError(description: usage)
            }
        } catch {
            FileHandle.standardError.write(Data("db2sim: \(error)\n".utf8))
            return 64
        }
    }
}

extension CommandProcessor {
    /// Instance names: 1 to 8 characters of a-z, 0-9 and `_`, not starting with a digit (the owner's user name).
    static func isValidInstanceName(_ name: String) -> Bool {
        guard (1...8).contains(name.count), let first = name.first, !first.isNumber else { return false }
        return name.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0.isNumber || $0 == "_" }
    }
}
