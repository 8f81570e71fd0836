import AgentSupport
import OsloRPC

/// Typed access to a call's keyword arguments, failing as Python would when a caller sends the wrong shape:
/// a `TypeError` naming the method and the argument.
public struct RPCArguments: Sendable {
    public let method: String
    public let values: [String: JSONValue]

    public init(method: String, values: [String: JSONValue]) {
        self.method = method
        self.values = values
    }

    /// Refuses keyword arguments the method does not take (Python: "got an unexpected keyword argument").
    public func allowOnly(_ names: Set<String>) throws(RemoteError) {
        if let extra = values.keys.sorted().first(where: { !names.contains($0) }) {
            throw typeError("\(method)() got an unexpected keyword argument '\(extra)'")
        }
    }

    public func required(_ name: String) throws(RemoteError) -> JSONValue {
        guard let value = values[name] else {
            throw typeError("\(method)() missing 1 required positional argument: '\(name)'")
        }
        return value
    }

    public func string(_ name: String) throws(RemoteError) -> String {
        let value = try required(name)
        guard let text = value.stringValue else { throw wrongType(name, "a string", value) }
        return text
    }

    public func optionalString(_ name: String) throws(RemoteError) -> String? {
        guard let value = values[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw wrongType(name, "a string or null", value) }
        return text
    }

    public func optionalInt(_ name: String) throws(RemoteError) -> Int? {
        guard let value = values[name], !value.isNull else { return nil }
        guard case .int(let number) = value else { throw wrongType(name, "an integer or null", value) }
        return Int(number)
    }

    public func bool(_ name: String, default defaultValue: Bool) throws(RemoteError) -> Bool {
        guard let value = values[name], !value.isNull else { return defaultValue }
        guard let flag = value.boolValue else { throw wrongType(name, "a boolean", value) }
        return flag
    }

    public func object(_ name: String) throws(RemoteError) -> [String: JSONValue] {
        let value = try required(name)
        guard let object = value.objectValue else { throw wrongType(name, "an object", value) }
        return object
    }

    public func optionalObject(_ name: String) throws(RemoteError) -> [String: JSONValue]? {
        guard let value = values[name], !value.isNull else { return nil }
        guard let object = value.objectValue else { throw wrongType(name, "an object or null", value) }
        return object
    }

    public func array(_ name: String) throws(RemoteError) -> [JSONValue] {
        let value = try required(name)
        guard let array = value.arrayValue else { throw wrongType(name, "a list", value) }
        return array
    }

    public func optionalArray(_ name: String) throws(RemoteError) -> [JSONValue]? {
        guard let value = values[name], !value.isNull else { return nil }
        guard let array = value.arrayValue else { throw wrongType(name, "a list or null", value) }
        return array
    }

    func wrongType(_ name: String, _ expected: String, _ value: JSONValue) -> RemoteError {
        typeError("\(method)() argument '\(name)' must be \(expected), not \(value.typeName)")
    }

    func typeError(_ message: String) -> RemoteError { .builtin("TypeError", message) }
}
