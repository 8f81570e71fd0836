#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// One entry of `LIST DATABASE DIRECTORY`.
public struct DatabaseDirectoryEntry: Sendable, Equatable {
    public let alias: String
    public let name: String
    public let localDirectory: String?
    /// `Indirect` for a database of this instance, `Remote` for a catalogued remote one.
    public let entryType: String

    /// The local databases (entry type `Indirect`, as Trove's `grep -B6 -i indirect` keeps them) of a
    /// `LIST DATABASE DIRECTORY` output; SQL1057W (an empty directory) yields none.
    public static func parseLocal(_ output: String) -> [DatabaseDirectoryEntry] {
        parse(output).filter { $0.entryType.lowercased() == "indirect" }
    }

    /// Every entry of a `LIST DATABASE DIRECTORY` output.
    public static func parse(_ output: String) -> [DatabaseDirectoryEntry] {
        var entries: [DatabaseDirectoryEntry] = []
        var fields: [String: String] = [:]
        func flush() {
            if let alias = fields["database alias"], let name = fields["database name"] {
                entries.append(
                    DatabaseDirectoryEntry(
                        alias: alias, name: name, localDirectory: fields["local database directory"],
                        entryType: fields["directory entry type"] ?? ""))
            }
            fields = [:]
        }
        for line in output.split(separator: "\n") {
            let trimmed = line.trimmingBlanks()
            if trimmed.hasPrefix("Database ") && trimmed.hasSuffix(" entry:") {
                flush()
                continue
            }
            guard let equals = trimmed.firstRange(of: " =") else { continue }
            let key = trimmed[..<equals.lowerBound].trimmingBlanks().lowercased()
            let value = trimmed[equals.upperBound...].trimmingBlanks()
            fields[key] = value
        }
        flush()
        return entries
    }
}
