/// One HTTP header field as sent or received.
public struct HTTPHeader: Sendable, Equatable {
    public let name: String
    public let value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An ordered list of HTTP header fields with case-insensitive lookup.
///
/// Its textual forms redact credentials (`X-Auth-Token`, `X-Auth-Key`, `Authorization`, ...): print a request's
/// headers in a log line or an error message without leaking a token.
public struct HTTPHeaders: Sendable, Equatable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// Header names (lower case) whose values are never printed.
    public static let sensitiveNames: Set<String> = [
        "x-auth-token", "x-auth-key", "x-storage-token", "x-service-token", "x-subject-token", "authorization",
        "proxy-authorization", "x-storage-pass", "cookie", "set-cookie",
    ]

    /// The fields in order.
    public private(set) var fields: [HTTPHeader]

    public init(_ fields: [HTTPHeader] = []) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { HTTPHeader(name: $0.0, value: $0.1) }
    }

    /// The value of the first field named `name` (any case), or `nil`.
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        return fields.first { $0.name.lowercased() == wanted }?.value
    }

    /// Appends a field (an existing field of the same name stays).
    public mutating func add(_ name: String, _ value: String) {
        fields.append(HTTPHeader(name: name, value: value))
    }

    /// Replaces every field named `name` (any case) by one with `value`.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    /// Removes every field named `name` (any case).
    public mutating func remove(_ name: String) {
        let wanted = name.lowercased()
        fields.removeAll { $0.name.lowercased() == wanted }
    }

    /// `Name: value` lines with credentials replaced by `***`.
    public var description: String {
        fields.map { field in
            let value = Self.sensitiveNames.contains(field.name.lowercased()) ? "***" : field.value
            return "\(field.name): \(value)"
        }.joined(separator: ", ")
    }
}
