/// A database name (alias) as DB2 accepts it, folded to upper case as DB2 stores it.
///
/// Rules (IBM, *Naming conventions*): 1 to 8 characters of `A-Z 0-9 @ # $`, not starting with a digit, not
/// starting with `SYS`, `DBM` or `IBM`. Trove validated names with MySQL's rules instead, so `_`, `-` or a ninth
/// character passed and only `CREATE DATABASE` failed.
public struct DatabaseName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The name in upper case.
    public let value: String

    /// - Throws: ``DB2Error`` `.invalidRequest` naming the rule the name breaks.
    public init(_ raw: String) throws(DB2Error) {
        let step = "check the database name"
        let name = raw.uppercased()
        guard !name.isEmpty else { throw .invalid("a database name must not be empty", step: step) }
        guard name.count <= 8 else {
            throw .invalid("database name \"\(raw)\" is longer than 8 characters (DB2's limit)", step: step)
        }
        if let bad = name.first(where: { !Self.isAllowed($0) }) {
            throw .invalid(
                "database name \"\(raw)\" contains \"\(bad)\": DB2 allows only A-Z, 0-9, @, # and $", step: step)
        }
        if let first = name.first, first.isNumber {
            throw .invalid("database name \"\(raw)\" starts with a digit, which DB2 does not allow", step: step)
        }
        if let prefix = ["SYS", "DBM", "IBM"].first(where: { name.hasPrefix($0) }) {
            throw .invalid("database name \"\(raw)\" starts with \(prefix), which DB2 reserves", step: step)
        }
        value = name
    }

    /// A name DB2 itself reported (trusted; folded to upper case).
    init(reported: String) { value = reported.uppercased() }

    static func isAllowed(_ character: Character) -> Bool {
        ("A"..."Z").contains(character) || ("0"..."9").contains(character) || "@#$".contains(character)
    }

    public var description: String { value }

    public static func < (lhs: DatabaseName, rhs: DatabaseName) -> Bool { lhs.value < rhs.value }
}
