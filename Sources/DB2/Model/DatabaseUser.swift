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
    /// What Trove's GRANT gives a user on a database, as the agent writes it:
    /// `DBADM WITH DATAACCESS WITHOUT ACCESSCTRL, CREATETAB, BINDADD, CONNECT`.
    ///
    /// Trove's own DB2 agent grants `DBADM,CREATETAB,BINDADD,CONNECT,DATAACCESS`: a Trove user administers and reads
    /// and writes its databases, and nothing more is promised (Trove's API manages who has access: `grant_access`,
    /// `revoke_access`, `delete_user`). On Db2 9.7 and later a plain `GRANT DBADM` also grants ACCESSCTRL ("If neither
    /// the WITH ACCESSCTRL or WITHOUT ACCESSCTRL options are specified, by default ACCESSCTRL authority is granted",
    /// IBM, *Database administration authority (DBADM)*), the authority to grant and revoke database authorities and
    /// object privileges: such a user could give other users access to the database (or CONNECT and DATAACCESS to
    /// itself after a `revoke_access`), behind the API's back. So DBADM is granted WITHOUT ACCESSCTRL. DATAACCESS is
    /// what Trove lists as access (`list_access`, `get_user`); `WITH DATAACCESS` states the default that gives it.
    public static let grantClause = "DBADM WITH DATAACCESS WITHOUT ACCESSCTRL,CREATETAB,BINDADD,CONNECT"

    /// The authorities revoked from a user, in REVOKE order, with their `SYSCAT.DBAUTH` columns: what
    /// ``grantClause`` gives, and ACCESSCTRL, which a user granted by Trove's own agent (or by this agent before it
    /// granted WITHOUT ACCESSCTRL) holds. Revoking DBADM leaves DATAACCESS and ACCESSCTRL (separate authorities, IBM
    /// *REVOKE (database authorities)*), so each is revoked by name. Db2 refuses to revoke CONNECT, CREATETAB or
    /// BINDADD from a DBADM holder unless DBADM goes in the same statement (SQLSTATE 42504).
    public static let revocable: [(authority: String, column: String)] = [
        ("DBADM", "DBADMAUTH"), ("CREATETAB", "CREATETABAUTH"), ("BINDADD", "BINDADDAUTH"),
        ("CONNECT", "CONNECTAUTH"), ("DATAACCESS", "DATAACCESSAUTH"), ("ACCESSCTRL", "ACCESSCTRLAUTH"),
    ]

    public let database: DatabaseName
    public let grantee: String
    /// Held authorities among ``revocable``.
    public let held: Set<String>

    /// Whether the user may read and write data (Trove lists a database for a user when DATAACCESS is `Y`).
    public var hasDataAccess: Bool { held.contains("DATAACCESS") }
}
