#if canImport(Glibc)
import Glibc
#endif
import AgentSupport
import FoundationEssentials

/// The output of `GET DATABASE CONFIGURATION` or `GET DATABASE MANAGER CONFIGURATION`: lines
/// `Description   (NAME) = value`, and state lines without a parameter name (`Backup pending = NO`).
///
/// Parsed as Trove parses it: split at ` = `, the name is the text between the last `(` and `)` on the left.
public struct ConfigurationListing: Sendable, Equatable {
    /// Values by parameter name (upper case), e.g. `LOGARCHMETH1`.
    public let parameters: [String: String]
    /// Values of lines without a parameter name, by description (lower case), e.g. `backup pending`.
    public let states: [String: String]
    /// Parameter names in the order they were printed.
    public let order: [String]

    public init(_ output: String) {
        var parameters: [String: String] = [:]
        var states: [String: String] = [:]
        var order: [String] = []
        for line in output.split(separator: "\n") {
            guard let separator = line.firstRange(of: " = ") ?? (line.hasSuffix(" =") ? line.lastRange(of: " =") : nil)
            else { continue }
            let left = line[..<separator.lowerBound]
            let value = line[separator.upperBound...].trimmingBlanks()
            if let close = left.lastIndex(of: ")"), let open = left[..<close].lastIndex(of: "("),
                left[left.index(after: close)...].trimmingBlanks().isEmpty
            {
                let name = left[left.index(after: open)..<close].trimmingBlanks().uppercased()
                if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    if parameters[name] == nil { order.append(name) }
                    parameters[name] = value
                    continue
                }
            }
            states[left.trimmingBlanks().lowercased()] = value
        }
        self.parameters = parameters
        self.states = states
        self.order = order
    }

    public subscript(parameter name: String) -> String? { parameters[name.uppercased()] }

    /// `YES` of a state line such as `Backup pending`.
    public func isSet(_ state: String) -> Bool { states[state.lowercased()]?.uppercased().hasPrefix("YES") == true }

    /// A value as `UPDATE ... USING` takes it back: empty → `NULL`, `AUTOMATIC(90)` → `90 AUTOMATIC`
    /// (Trove's `process_default_dbm_config`).
    public static func updatable(_ value: String) -> String {
        let trimmed = value.trimmingBlanks()
        if trimmed.isEmpty { return "NULL" }
        if trimmed.uppercased().hasPrefix("AUTOMATIC("), trimmed.hasSuffix(")") {
            let inner = trimmed.dropFirst("AUTOMATIC(".count).dropLast()
            return "\(inner) AUTOMATIC"
        }
        return trimmed
    }
}
