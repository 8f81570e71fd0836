extension OptionTable {
    /// A Markdown table of every option, for the README: section, name, type, default, who defines it, and the
    /// help with secret flag, deprecated names and compatibility notes.
    ///
    /// The README's option section must equal this text; a test checks it, so the two cannot drift.
    public static func markdownReference() -> String {
        var lines = [
            "| Section | Option | Type | Default | Defined by | Description |",
            "|---|---|---|---|---|---|",
        ]
        for section in sections {
            for definition in all where definition.name.section == section {
                var description = definition.help
                if definition.isRequired { description += " **Required.**" }
                if definition.isSecret { description += " Secret: never logged, masked as `***` in reports." }
                if !definition.deprecatedNames.isEmpty {
                    description +=
                        " Also read as "
                        + definition.deprecatedNames.map { "`\($0)`" }.joined(separator: ", ") + " (deprecated)."
                }
                if definition.isCompatibilityOnly { description += " Accepted for compatibility; not used." }
                let cells = [
                    "`[\(section)]`", "`\(definition.name.name)`", definition.kind.typeDescription,
                    defaultCell(definition), definition.origin.rawValue, description,
                ]
                lines.append("| " + cells.map(escapeCell).joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func defaultCell(_ definition: OptionDefinition) -> String {
        guard let text = definition.defaultText else { return "(unset)" }
        return text.isEmpty ? "(empty)" : "`\(text)`"
    }

    private static func escapeCell(_ text: String) -> String {
        text.replacing("|", with: "\\|").replacing("\n", with: " ")
    }
}
