import Logging

/// Turns parsed files into ``ResolvedOptions`` with oslo.config's rules:
/// - later files override earlier ones; within one file the current name wins over deprecated names, but a
///   deprecated name in a later file wins over the current name in an earlier file (oslo.config searches file by
///   file, newest first, trying every name in each);
/// - `$option`, `${option}` and `${section.option}` in a value (and in a default) are replaced by that option's
///   value, looked up in the value's own section and then in `[DEFAULT]`; `$$` and `\$` stand for `$`; a
///   reference to no option stops start-up, as oslo.config's `NoSuchOptError` does;
/// - every option is parsed by its kind, and a bad value, an empty number where one is needed, or a missing
///   required option stops start-up with a ``ConfigError`` naming the file and line.
///
/// Unknown keys in the sections the agent reads, and whole sections it does not read, are logged at debug level
/// and ignored. Keys found under a deprecated name are logged at info level.
struct ConfigResolver {
    private let files: [INIFile]
    private let logger: Logger
    /// Effective (substituted) text per option; `.some(nil)` when unset.
    private var effectiveTexts: [OptionName: String?] = [:]
    /// References being expanded, to report cycles instead of recursing for ever.
    private var expanding: [String] = []

    init(files: [INIFile], logger: Logger) {
        self.files = files
        self.logger = logger
    }

    /// Resolves, substitutes and checks every option of ``OptionTable/all``.
    ///
    /// - Throws: ``ConfigError`` for a bad value, a bad `$` reference, or a missing required option.
    mutating func resolve() throws(ConfigError) -> ResolvedOptions {
        logIgnoredKeys()
        var entries: [OptionName: ResolvedOptions.Entry] = [:]
        for definition in OptionTable.all {
            let raw = rawSetting(of: definition)
            if let raw, raw.writtenAs != definition.name {
                logger.info(
                    "deprecated option name in configuration; use the current name",
                    metadata: [
                        "config.option": "\(definition.name)", "config.written_as": "\(raw.writtenAs)",
                        "config.location": "\(raw.source)",
                    ])
            }
            let source = raw?.source ?? .default
            let text = try effectiveText(of: definition)
            let parsed = try Self.parse(text, of: definition, source: source)
            entries[definition.name] = ResolvedOptions.Entry(
                definition: definition, text: text, parsed: parsed, source: source)
        }
        for definition in OptionTable.all where definition.isRequired {
            try checkRequired(definition, entries[definition.name])
        }
        return ResolvedOptions(entries: entries, files: files.map(\.path))
    }

    /// Parses `text` by the option's kind, as the value of `definition` found at `source`.
    ///
    /// - Throws: ``ConfigError`` `.invalidValue` naming the option, the value (unless secret) and what is allowed.
    static func parse(_ text: String?, of definition: OptionDefinition, source: ValueSource)
        throws(ConfigError) -> ParsedOptionValue
    {
        guard let text else { return .unset }
        let parsed: ParsedOptionValue
        do {
            parsed = try definition.kind.parse(text)
        } catch {
            throw valueError(definition, text: text, source: source, reason: error.reason)
        }
        if parsed == .unset && !definition.isOptional {
            throw valueError(definition, text: text, source: source, reason: "empty")
        }
        return parsed
    }

    /// `file:line: [section] name = "value": reason; expected ...`, without the value for secrets.
    static func valueError(_ definition: OptionDefinition, text: String, source: ValueSource, reason: String)
        -> ConfigError
    {
        let shown = definition.isSecret ? " (value not shown: secret)" : " = \"\(Self.quoted(text))\""
        let origin = source == .default ? " (the default)" : ""
        return ConfigError(
            .invalidValue, file: source.location?.path, line: source.location?.line,
            message: "\(Self.displayName(definition, source))\(shown)\(origin): \(reason); "
                + definition.kind.expectation)
    }

    /// The option's name as the file wrote it, with the current name when it differs.
    static func displayName(_ definition: OptionDefinition, _ source: ValueSource) -> String {
        if case let .file(_, _, writtenAs) = source, writtenAs != definition.name {
            return "\(writtenAs) (old name of \(definition.name))"
        }
        return "\(definition.name)"
    }

    /// A value as it is shown in a message: control characters escaped, long values cut.
    static func quoted(_ text: String) -> String {
        let escaped = text.replacing("\\", with: "\\\\").replacing("\n", with: "\\n").replacing("\"", with: "\\\"")
        return escaped.count > 200 ? escaped.prefix(200) + "…" : escaped
    }

    // MARK: - Lookup

    /// The newest assignment of the option under any of its names.
    private func rawSetting(of definition: OptionDefinition)
        -> (text: String, source: ValueSource, writtenAs: OptionName)?
    {
        for file in files.reversed() {
            for name in [definition.name] + definition.deprecatedNames {
                if let assignment = file.assignment(section: name.section, key: name.name) {
                    return (
                        assignment.value, .file(path: file.path, line: assignment.line, writtenAs: name), name
                    )
                }
            }
        }
        return nil
    }

    /// The option's value after `$` substitution: from the newest file that sets it, else its default.
    private mutating func effectiveText(of definition: OptionDefinition) throws(ConfigError) -> String? {
        if let known = effectiveTexts[definition.name] { return known }
        let raw = rawSetting(of: definition)
        guard let text = raw?.text ?? definition.defaultText else {
            effectiveTexts[definition.name] = .some(nil)
            return nil
        }
        let source = raw?.source ?? .default
        let substituted = try substitute(
            text, section: definition.name.section, owner: definition.name, secret: definition.isSecret,
            source: source)
        effectiveTexts[definition.name] = substituted
        return substituted
    }

    /// Python's `string.Template.safe_substitute` as oslo.config applies it: `$$` → `$`, `$name`/`${name}` →
    /// the option's value, any other `$` left as it is. `\$` is read as `$$` first.
    private mutating func substitute(
        _ text: String, section: String, owner: OptionName, secret: Bool, source: ValueSource
    ) throws(ConfigError) -> String {
        guard text.contains("$") else { return text }
        let characters = Array(text.replacing("\\$", with: "$$"))
        var result = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard character == "$", index + 1 < characters.count else {
                result.append(character)
                index += 1
                continue
            }
            let next = characters[index + 1]
            if next == "$" {
                result.append("$")
                index += 2
                continue
            }
            let braced = next == "{"
            let start = index + (braced ? 2 : 1)
            var end = start
            if end < characters.count, characters[end].isIdentifierStart {
                end += 1
                while end < characters.count, characters[end].isIdentifierContinuation { end += 1 }
            }
            let closed = !braced || (end < characters.count && characters[end] == "}")
            guard end > start, closed else {
                result.append(character)  // not a reference: safe_substitute keeps it
                index += 1
                continue
            }
            let reference = String(characters[start..<end])
            let reason = "\"$\(reference)\" inside the value"
            result += try referencedText(
                reference, from: section, owner: owner, secret: secret, source: source, context: reason)
            index = end + (braced ? 1 : 0)
        }
        return result
    }

    /// The text a `$reference` stands for: an option of the table, else a key set in the files (oslo.config would
    /// know it as one of Trove's options the agent does not model).
    private mutating func referencedText(
        _ reference: String, from section: String, owner: OptionName, secret: Bool, source: ValueSource,
        context: String
    ) throws(ConfigError) -> String {
        let candidates: [OptionName]
        if let dot = reference.firstIndex(of: ".") {
            candidates = [OptionName(String(reference[..<dot]), String(reference[reference.index(after: dot)...]))]
        } else {
            candidates = [OptionName(section, reference), OptionName(OptionTable.defaultSection, reference)]
        }
        let key = candidates[0].description
        if expanding.contains(key) {
            throw ConfigError(
                .invalidValue, file: source.location?.path, line: source.location?.line,
                message: "\(owner): circular $ reference (\((expanding + [key]).joined(separator: " → ")))")
        }
        expanding.append(key)
        defer { expanding.removeLast() }
        for candidate in candidates {
            if let definition = OptionTable.definition(for: candidate) {
                return try effectiveText(of: definition) ?? ""
            }
            for file in files.reversed() {
                if let assignment = file.assignment(section: candidate.section, key: candidate.name) {
                    return try substitute(
                        assignment.value, section: candidate.section, owner: candidate, secret: secret,
                        source: .file(path: file.path, line: assignment.line, writtenAs: candidate))
                }
            }
        }
        let detail =
            secret
            ? " (value not shown: secret) contains \"$\" followed by a name that is no option"
            : ": \(context) refers to no option"
        throw ConfigError(
            .invalidValue, file: source.location?.path, line: source.location?.line,
            message: "\(owner)\(detail); write \"$$\" for a literal \"$\"")
    }

    // MARK: - Checks and logs

    private func checkRequired(_ definition: OptionDefinition, _ entry: ResolvedOptions.Entry?) throws(ConfigError) {
        guard let entry else { return }
        switch entry.parsed {
        case .unset:
            let read =
                files.isEmpty ? "no configuration file was given" : "read: \(files.map(\.path).joined(separator: ", "))"
            throw ConfigError(
                .missingRequiredOption, file: nil, line: nil,
                message: "missing required option \(definition.name): \(definition.help) (\(read))")
        case .string(""):
            throw ConfigError(
                .missingRequiredOption, file: entry.source.location?.path, line: entry.source.location?.line,
                message: "\(definition.name) is empty: \(definition.help)")
        default:
            return
        }
    }

    /// Debug-logs every key the agent ignores: unknown keys in the sections it reads, and sections it does not read.
    private func logIgnoredKeys() {
        var known: [String: Set<String>] = [:]
        for definition in OptionTable.all {
            for name in [definition.name] + definition.deprecatedNames {
                known[INIFile.normalizedSection(name.section), default: []].insert(name.name)
            }
        }
        for file in files {
            for section in file.sections where known[section.name] == nil {
                logger.debug(
                    "configuration section ignored: the agent reads no option from it",
                    metadata: ["config.section": "\(section.name)", "config.location": "\(file.path):\(section.line)"])
            }
            for assignment in file.assignments {
                let section = INIFile.normalizedSection(assignment.section)
                guard let keys = known[section], !keys.contains(assignment.key) else { continue }
                logger.debug(
                    "unknown configuration option ignored",
                    metadata: [
                        "config.option": "[\(assignment.section)] \(assignment.key)",
                        "config.location": "\(file.path):\(assignment.line)",
                    ])
            }
        }
    }
}

extension Character {
    /// First character of a `string.Template` identifier: `[_a-z]`, any case.
    fileprivate var isIdentifierStart: Bool { isASCII && (isLetter || self == "_") }
    /// Later characters: `[._a-z0-9]`, any case.
    fileprivate var isIdentifierContinuation: Bool { isASCII && (isLetter || isNumber || self == "_" || self == ".") }
}
