import Foundation

/// `db2set`: the DB2 profile registry, at instance (`[i]`) and global (`[g]`) level.
///
/// `db2set VAR=value` sets at instance level, `-g` at global level, `VAR=` removes, `db2set VAR` shows the value,
/// `db2set` lists the instance level, `db2set -all` lists both levels with their `[i]`/`[g]` tags.
enum RegistryTool {
    /// - Returns: the output and the exit code.
    static func run(_ arguments: [String], store: InstanceStore) throws -> (String, Int32) {
        var global = false
        var all = false
        var assignments: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument.lowercased() {
            case "-g": global = true
            case "-all": all = true
            case "-i":
                index += 1
            case "-null", "-r", "-l", "-lr", "-v", "-ul", "-ur", "-n", "-u", "-p":
                return ("DBI1302E  Invalid parameter detected.\n", 1)
            default:
                if argument.hasPrefix("-") { return ("DBI1302E  Invalid parameter detected.\n", 1) }
                assignments.append(argument)
            }
            index += 1
        }
        if all {
            let state = try store.read()
            var lines: [String] = []
            for (name, value) in state.instanceRegistry.sorted(by: { $0.key < $1.key }) {
                lines.append("[i] \(name)=\(value)")
            }
            for (name, value) in state.globalRegistry.sorted(by: { $0.key < $1.key }) {
                lines.append("[g] \(name)=\(value)")
            }
            return (lines.map { $0 + "\n" }.joined(), 0)
        }
        if assignments.isEmpty {
            let state = try store.read()
            let registry = global ? state.globalRegistry : state.instanceRegistry
            return (registry.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)\n" }.joined(), 0)
        }
        var output = ""
        try store.update { state in
            for assignment in assignments {
                if let equals = assignment.firstIndex(of: "=") {
                    let name = assignment[..<equals].uppercased()
                    let value = String(assignment[assignment.index(after: equals)...])
                    if global {
                        state.globalRegistry[name] = value.isEmpty ? nil : value
                    } else {
                        state.instanceRegistry[name] = value.isEmpty ? nil : value
                    }
                } else {
                    let name = assignment.uppercased()
                    if let value = (global ? state.globalRegistry[name] : state.instanceRegistry[name])
                        ?? state.globalRegistry[name]
                    {
                        output += "\(value)\n"
                    }
                }
            }
        }
        return (output, 0)
    }
}
