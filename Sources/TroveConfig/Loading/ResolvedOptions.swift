/// Every option of ``OptionTable`` with its effective value and where it came from: what the loader produces
/// and what the typed configuration and the `check-config` report are built from.
///
/// It holds secrets as plain text, so its textual forms and its mirror show nothing of the values: printing or
/// dumping an ``AgentConfiguration`` cannot leak them.
struct ResolvedOptions: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// One option's outcome.
    struct Entry: Sendable {
        let definition: OptionDefinition
        /// The effective text after `$` substitution, or `nil` when the option has no default and nothing set it.
        var text: String?
        /// The text parsed by the option's kind (``ParsedOptionValue/unset`` when `text` is `nil`).
        var parsed: ParsedOptionValue
        var source: ValueSource
    }

    private var entries: [OptionName: Entry]
    /// The files read, in override order.
    let files: [String]

    init(entries: [OptionName: Entry], files: [String]) {
        self.entries = entries
        self.files = files
    }

    var description: String { "ResolvedOptions(\(entries.count) options from \(files.count) files)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: []) }

    /// The entry of the option whose current name is `name`.
    ///
    /// - Precondition: `name` is in ``OptionTable/all`` (every option the code reads must be in the table).
    func entry(_ name: OptionName) -> Entry {
        guard let entry = entries[name] else {
            preconditionFailure("\(name) is read by the code but missing from OptionTable.all")
        }
        return entry
    }

    /// The option's value as its Swift type.
    ///
    /// - Precondition: the option is in ``OptionTable/all``; the loader has already checked that every value
    ///   parses and that non-optional numbers are not empty, so the conversion cannot fail.
    subscript<Value: OptionValue>(option: Option<Value>) -> Value {
        let entry = entry(option.name)
        guard let value = Value.fromParsed(entry.parsed) else {
            preconditionFailure("\(option.name): loader accepted \(entry.parsed) for \(Value.self)")
        }
        return value
    }

    /// Where the option's value came from.
    func source(of option: Option<some OptionValue>) -> ValueSource { entry(option.name).source }

    /// An error about the option's value, located where the value was set: `file:line: [section] name <message>`.
    func error(_ option: Option<some OptionValue>, _ kind: ConfigError.Kind, _ message: String) -> ConfigError {
        let entry = entry(option.name)
        return ConfigError(
            kind, file: entry.source.location?.path, line: entry.source.location?.line,
            message: "\(ConfigResolver.displayName(entry.definition, entry.source)) \(message)")
    }

    /// Replaces an option's value (a `transport_url` query parameter overriding `[oslo_messaging_rabbit]`).
    mutating func override(_ name: OptionName, text: String, parsed: ParsedOptionValue, source: ValueSource) {
        entries[name]?.text = text
        entries[name]?.parsed = parsed
        entries[name]?.source = source
    }
}
