import AgentSupport

/// A database user as Trove lists it: the name and the databases it may access (DATAACCESS granted).
public struct DatabaseUser: Sendable, Equatable {
    public let name: UserName
    public let databases: [DatabaseName]

    public init(name: UserName, databases: [DatabaseName]) {
        self.name = name
        self.databases = databases
    }
}

/// A user to create: name, password (kept secret) and the databases to grant access to.
public struct NewDatabaseUser: Sendable {
    public let name: UserName
    public let password: Secret<String>
    public let databases: [DatabaseName]

    public init(name: UserName, password: Secret<String>, databases: [DatabaseName]) {
        self.name = name
        self.password = password
        self.databases = databases
    }
}

/// The database authorities a user holds on one database (a row of `SYSCAT.DBAUTH`).
public struct DatabaseAuthorities: Sendable, Equatable {
    /// The authorities Trove grants to a user, in the order of its GRANT.
    public static let granted = ["DBADM", "CREATETAB", "BINDADD", "CONNECT", "DATAACCESS"]

    public let database: DatabaseName
    public let grantee: String
    /// Held authorities among ``granted``.
    public let held: Set<String>

    /// Whether the user may read and write data (Trove lists a database for a user when DATAACCESS is `Y`).
    public var hasDataAccess: Bool { held.contains("DATAACCESS") }
}
