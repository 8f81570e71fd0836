/// Where an option lives in the INI files: `[section] name`.
public struct OptionName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The section as oslo.config names the group: `DEFAULT`, `db2`, `oslo_messaging_rabbit`, ...
    public let section: String
    /// The key, case-sensitive as in oslo.config.
    public let name: String

    public init(_ section: String, _ name: String) {
        self.section = section
        self.name = name
    }

    /// `[section] name`.
    public var description: String { "[\(section)] \(name)" }

    public static func < (lhs: OptionName, rhs: OptionName) -> Bool {
        (lhs.section, lhs.name) < (rhs.section, rhs.name)
    }
}

/// Who defines an option: Trove and the oslo libraries (read exactly as they read it), or this agent.
public enum OptionOrigin: String, Sendable, CaseIterable {
    /// Trove's own option (`trove/common/cfg.py`), or a key Trove injects into `guest_info.conf`.
    case trove = "Trove"
    /// oslo.messaging's option (transport, RabbitMQ driver).
    case osloMessaging = "oslo.messaging"
    /// oslo.log's option.
    case osloLog = "oslo.log"
    /// This agent's own option, where Trove has none. Trove's agent ignores it.
    case agent = "agent"
}

/// Everything known about one option: the data behind the option table, the report and the README.
///
/// Built only through the typed ``Option`` factories, so that the kind always matches the Swift type the agent
/// reads the option as.
public struct OptionDefinition: Sendable {
    /// The current name.
    public let name: OptionName
    /// How the text is parsed and checked.
    public let kind: OptionKind
    /// The default as it would be written in a file (it may contain `$option` references, like oslo.config's
    /// defaults); `nil` when the option has no default (it is unset unless a file sets it).
    public let defaultText: String?
    /// One or two sentences for operators.
    public let help: String
    /// Whether the value is masked as `***` in reports and never appears in logs or errors.
    public let isSecret: Bool
    /// Older names and groups still read, most preferred first (oslo.config's `deprecated_name`/`deprecated_group`).
    public let deprecatedNames: [OptionName]
    /// Who defines the option.
    public let origin: OptionOrigin
    /// Accepted (and type-checked) so that Trove's files load unchanged, but the agent does not act on it.
    public let isCompatibilityOnly: Bool
    /// Start-up stops when the option is not set (or set to an empty value).
    public let isRequired: Bool
    /// Whether an empty value means "unset" (the Swift type is an optional).
    let isOptional: Bool
}

/// An option of the table, typed as the agent reads it.
///
/// ```swift
/// static let reportInterval = Option<Int>.integer(.DEFAULT, "report_interval", default: 30, min: 1, ...)
/// let seconds = resolved[OptionTable.reportInterval]
/// ```
struct Option<Value: OptionValue>: Sendable {
    /// The untyped description, as listed in ``OptionTable/all``.
    let definition: OptionDefinition

    /// The current name.
    var name: OptionName { definition.name }

    fileprivate init(
        _ section: String, _ name: String, kind: OptionKind, defaultText: String?, help: String, secret: Bool,
        deprecated: [OptionName], origin: OptionOrigin, compatibilityOnly: Bool, required: Bool, optional: Bool
    ) {
        definition = OptionDefinition(
            name: OptionName(section, name), kind: kind, defaultText: defaultText, help: help, isSecret: secret,
            deprecatedNames: deprecated, origin: origin, isCompatibilityOnly: compatibilityOnly,
            isRequired: required, isOptional: optional
        )
    }
}

// MARK: - Factories, one per kind: they tie the parsing rules to the Swift type.

extension Option where Value == Bool {
    /// A boolean option (`true/false`, `yes/no`, `on/off`, `1/0`, any case).
    static func boolean(
        _ section: String, _ name: String, default value: Bool, origin: OptionOrigin, help: String,
        deprecated: [OptionName] = [], compatibilityOnly: Bool = false
    ) -> Option {
        Option(
            section, name, kind: .boolean, defaultText: value.configText, help: help, secret: false,
            deprecated: deprecated, origin: origin, compatibilityOnly: compatibilityOnly, required: false,
            optional: false
        )
    }
}

extension Option where Value == Int {
    /// An integer option, optionally bounded (inclusive).
    static func integer(
        _ section: String, _ name: String, default value: Int, min: Int? = nil, max: Int? = nil,
        origin: OptionOrigin, help: String, deprecated: [OptionName] = [], compatibilityOnly: Bool = false
    ) -> Option {
        Option(
            section, name, kind: .integer(min: min, max: max), defaultText: value.configText, help: help,
            secret: false, deprecated: deprecated, origin: origin, compatibilityOnly: compatibilityOnly,
            required: false, optional: false
        )
    }
}

extension Option where Value == Double {
    /// A floating-point option, optionally bounded (inclusive).
    static func float(
        _ section: String, _ name: String, default value: Double, min: Double? = nil, max: Double? = nil,
        origin: OptionOrigin, help: String, deprecated: [OptionName] = []
    ) -> Option {
        Option(
            section, name, kind: .float(min: min, max: max), defaultText: value.configText, help: help,
            secret: false, deprecated: deprecated, origin: origin, compatibilityOnly: false, required: false,
            optional: false
        )
    }
}

extension Option where Value == String {
    /// A string option; with `choices`, the value must be one of them (compared without regard to case, and
    /// returned as spelled in `choices`).
    static func string(
        _ section: String, _ name: String, default value: String, choices: [String]? = nil, origin: OptionOrigin,
        help: String, secret: Bool = false, deprecated: [OptionName] = [], compatibilityOnly: Bool = false
    ) -> Option {
        Option(
            section, name, kind: .string(choices: choices), defaultText: value, help: help, secret: secret,
            deprecated: deprecated, origin: origin, compatibilityOnly: compatibilityOnly, required: false,
            optional: false
        )
    }
}

extension Option where Value == String? {
    /// A string option without a default: unset (`nil`) unless a file gives it a non-empty value.
    static func optionalString(
        _ section: String, _ name: String, choices: [String]? = nil, origin: OptionOrigin, help: String,
        secret: Bool = false, required: Bool = false, deprecated: [OptionName] = [], compatibilityOnly: Bool = false
    ) -> Option {
        Option(
            section, name, kind: .string(choices: choices), defaultText: nil, help: help, secret: secret,
            deprecated: deprecated, origin: origin, compatibilityOnly: compatibilityOnly, required: required,
            optional: true
        )
    }
}

extension Option where Value == [String] {
    /// A comma-separated list option. `defaultTemplate` is a default written as file text with `$option`
    /// references (oslo.config's `rabbit_hosts` default is `$rabbit_host:$rabbit_port`).
    static func list(
        _ section: String, _ name: String, default value: [String], defaultTemplate: String? = nil,
        origin: OptionOrigin, help: String, deprecated: [OptionName] = [], compatibilityOnly: Bool = false
    ) -> Option {
        Option(
            section, name, kind: .list, defaultText: defaultTemplate ?? value.configText, help: help, secret: false,
            deprecated: deprecated, origin: origin, compatibilityOnly: compatibilityOnly, required: false,
            optional: false
        )
    }
}

extension Option where Value == [String: String] {
    /// A dictionary option: `key1:value1,key2:value2`.
    static func dict(
        _ section: String, _ name: String, origin: OptionOrigin, help: String, deprecated: [OptionName] = [],
        compatibilityOnly: Bool = false
    ) -> Option {
        Option(
            section, name, kind: .dict, defaultText: "", help: help, secret: false, deprecated: deprecated,
            origin: origin, compatibilityOnly: compatibilityOnly, required: false, optional: false
        )
    }
}
