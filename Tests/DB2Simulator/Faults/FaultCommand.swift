import Foundation

/// `db2sim fault`: writes the fault control file for tests.
///
/// ```
/// db2sim fault add --match TEXT [--at start|after-data|before-commit|after-start] [--times N]
///                  (--fail MESSAGE-ID [--token T]... | --hang SECONDS | --kill | --disk-full-after BYTES)
/// db2sim fault list
/// db2sim fault clear [--id N]
/// ```
/// The instance is the one `DB2SIM_STATE_DIR` (or `--home DIR --instance NAME`) names.
enum FaultCommand {
    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    static let usage = """
        usage: db2sim fault add --match TEXT [--at start|after-data|before-commit|after-start] [--times N]
                                (--fail MESSAGE-ID [--token T]... | --hang SECONDS | --kill | --disk-full-after BYTES)
               db2sim fault list
               db2sim fault clear [--id N]
        """

    /// - Returns: the text to print.
    /// - Throws: ``UsageError`` naming what was wrong with the arguments.
    static func run(_ arguments: [String], environment: [String: String]) throws -> String {
        guard let verb = arguments.first else { throw UsageError(description: usage) }
        var options: [String: [String]] = [:]
        var flags: Set<String> = []
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else { throw UsageError(description: "unexpected argument \"\(argument)\"") }
            let name = String(argument.dropFirst(2))
            if ["kill"].contains(name) {
                flags.insert(name)
            } else {
                index += 1
                guard index < arguments.count else { throw UsageError(description: "--\(name) needs a value") }
                options[name, default: []].append(arguments[index])
            }
            index += 1
        }
        let injector = FaultInjector(layout: try layout(options, environment: environment))
        switch verb {
        case "add":
            let rule = try injector.add(try rule(options, flags: flags))
            return "\(rule.id)\n"
        case "list":
            return try injector.rules().map(describe).joined()
        case "clear":
            let id = try options["id"]?.first.map { value -> Int in
                guard let id = Int(value) else { throw UsageError(description: "--id must be a number, not \"\(value)\"") }
                return id
            }
            try injector.clear(id: id)
            return ""
        default:
            throw UsageError(description: "unknown fault command \"\(verb)\"\n\(usage)")
        }
    }

    private static func layout(_ options: [String: [String]], environment: [String: String]) throws -> InstanceLayout {
        if let home = options["home"]?.first {
            let instance = options["instance"]?.first ?? environment["DB2INSTANCE"] ?? "db2inst1"
            return InstanceLayout(home: home, instanceName: instance)
        }
        do {
            return try InstanceLayout.fromEnvironment(environment)
        } catch {
            throw UsageError(description: "no instance: set \(InstanceLayout.stateVariable) (source db2profile) or pass --home")
        }
    }

    private static func rule(_ options: [String: [String]], flags: Set<String>) throws -> FaultRule {
        guard let match = options["match"]?.first else { throw UsageError(description: "--match TEXT is required") }
        let atText = options["at"]?.first ?? "start"
        guard let at = FaultRule.Point(rawValue: atText) else {
            throw UsageError(description: "--at must be one of \(FaultRule.Point.allCases.map(\.rawValue)), not \"\(atText)\"")
        }
        let timesText = options["times"]?.first ?? "1"
        guard let times = Int(timesText), times > 0 else {
            throw UsageError(description: "--times must be a positive number, not \"\(timesText)\"")
        }
        var rule = FaultRule(
            id: 0, match: match, at: at, action: .fail, message: nil, tokens: options["token"] ?? [], seconds: nil,
            bytes: nil, remaining: times, fired: 0)
        var actions = 0
        if let message = options["fail"]?.first {
            guard message.range(of: #"^(SQL|DB2)\d{4,5}[A-Z]$"#, options: [.regularExpression, .caseInsensitive]) != nil
            else { throw UsageError(description: "--fail needs a message identifier such as SQL2419N, not \"\(message)\"") }
            rule.action = .fail
            rule.message = message.uppercased()
            actions += 1
        }
        if let seconds = try number(options, "hang", Double.self, what: "a number of seconds") {
            rule.action = .hang
            rule.seconds = seconds
            actions += 1
        }
        if flags.contains("kill") {
            rule.action = .kill
            actions += 1
        }
        if let bytes = try number(options, "disk-full-after", Int64.self, what: "a number of bytes") {
            rule.action = .diskFull
            rule.bytes = bytes
            actions += 1
        }
        guard actions == 1 else {
            throw UsageError(description: "give exactly one of --fail, --hang, --kill, --disk-full-after")
        }
        return rule
    }

    /// The value of `--name` as a number of at least zero, nil when the option is absent.
    private static func number<T: LosslessStringConvertible & Comparable & ExpressibleByIntegerLiteral>(
        _ options: [String: [String]], _ name: String, _ type: T.Type, what: String
    ) throws -> T? {
        guard let text = options[name]?.first else { return nil }
        guard let value = T(text), value >= 0 else { throw UsageError(description: "--\(name) needs \(what), not \"\(text)\"") }
        return value
    }

    private static func describe(_ rule: FaultRule) -> String {
        var text = "id=\(rule.id) match=\"\(rule.match)\" at=\(rule.at.rawValue) action=\(rule.action.rawValue)"
        if let message = rule.message { text += " message=\(message)" }
        if let seconds = rule.seconds { text += " seconds=\(seconds)" }
        if let bytes = rule.bytes { text += " bytes=\(bytes)" }
        return text + " remaining=\(rule.remaining) fired=\(rule.fired)\n"
    }
}
