/// A database user: an OS account DB2 authenticates against, so its name must suit both Linux and DB2.
///
/// Rules: 1 to 30 characters (DB2's limit for user IDs on Linux); a letter first, then letters, digits and `_`
/// (what both `useradd` and DB2's authorization IDs accept; DB2 folds IDs to upper case and Linux names are lower
/// case, so the name is folded to lower case for the OS and upper case for DB2); not `USERS`, `ADMINS`, `GUESTS`,
/// `PUBLIC` or `LOCAL`; not starting with `IBM`, `SQL` or `SYS` (IBM, *User, user ID and group naming rules*).
public struct UserName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The OS login name (lower case).
    public let login: String

    /// DB2's authorization ID (upper case).
    public var authorizationID: String { login.uppercased() }

    /// - Throws: ``DB2Error`` `.invalidRequest` naming the rule the name breaks.
    public init(_ raw: String) throws(DB2Error) {
        let step = "check the user name"
        let name = raw.lowercased()
        guard !name.isEmpty else { throw .invalid("a user name must not be empty", step: step) }
        guard name.count <= 30 else {
            throw .invalid("user name \"\(raw)\" is longer than 30 characters (DB2's limit on Linux)", step: step)
        }
        guard let first = name.first, ("a"..."z").contains(first) else {
            throw .invalid("user name \"\(raw)\" must start with a letter", step: step)
        }
        if let bad = name.first(where: { !(("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_") }) {
            throw .invalid(
                "user name \"\(raw)\" contains \"\(bad)\": only letters, digits and _ are allowed", step: step)
        }
        let upper = name.uppercased()
        if ["USERS", "ADMINS", "GUESTS", "PUBLIC", "LOCAL"].contains(upper) {
            throw .invalid("user name \"\(raw)\" is reserved by DB2", step: step)
        }
        if let prefix = ["IBM", "SQL", "SYS"].first(where: { upper.hasPrefix($0) }) {
            throw .invalid("user name \"\(raw)\" starts with \(prefix), which DB2 reserves", step: step)
        }
        login = name
    }

    /// A name DB2 reported as a grantee (trusted).
    init(reported: String) { login = reported.lowercased() }

    public var description: String { login }

    public static func < (lhs: UserName, rhs: UserName) -> Bool { lhs.login < rhs.login }
}
