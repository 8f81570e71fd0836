import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

extension DB2Manager {
    /// Authorization IDs no user operation lists or touches: `[db2] ignore_users` and the instance owner.
    nonisolated var ignoredAuthorizationIDs: Set<String> {
        Set(configuration.ignoreUsers.map { $0.uppercased() } + [configuration.instanceOwner.uppercased()])
    }

    /// - Throws: ``DB2Error`` `.invalidRequest` when `name` is ignored or is the instance owner.
    nonisolated func checkNotIgnored(_ name: UserName, step: String) throws(DB2Error) {
        if ignoredAuthorizationIDs.contains(name.authorizationID) {
            throw .invalid(
                "user \"\(name)\" is reserved ([db2] ignore_users or the instance owner) and cannot be changed",
                step: step)
        }
    }

    // MARK: - Queries

    /// The Trove authorities of every user (type U) on `database`, from `SYSCAT.DBAUTH`.
    nonisolated func authorities(on database: DatabaseName) async throws(DB2Error) -> [DatabaseAuthorities] {
        let columns = DatabaseAuthorities.revocable.map(\.column)
        let query = "SELECT GRANTEE, GRANTEETYPE, \(columns.joined(separator: ", ")) FROM SYSCAT.DBAUTH"
        let transcript = try await connectingJob { () throws(DB2Error) in
            try await executor.clpChecked(
                ["CONNECT TO \(database)", query], step: "list the authorities", database: database.value,
                timeout: configuration.commandTimeout, tolerating: ["SQL0100W"])
        }
        guard let table = CLPTable(transcript.statements[1].output) else { return [] }
        return table.records.compactMap { record in
            guard let grantee = record["GRANTEE"] ?? nil, (record["GRANTEETYPE"] ?? nil) == "U" else { return nil }
            var held: Set<String> = []
            for (authority, column) in DatabaseAuthorities.revocable where (record[column] ?? nil) == "Y" {
                held.insert(authority)
            }
            return DatabaseAuthorities(database: database, grantee: grantee.uppercased(), held: held)
        }
    }

    /// The authorities on every database, the databases queried concurrently (each its own CLP back-end).
    nonisolated func authoritiesOnAllDatabases() async throws(DB2Error) -> [DatabaseAuthorities] {
        let names = try await databases()
        let results: [Result<[DatabaseAuthorities], DB2Error>] = await withTaskGroup(
            of: Result<[DatabaseAuthorities], DB2Error>.self
        ) { group in
            var pending = names[...]
            var results: [Result<[DatabaseAuthorities], DB2Error>] = []
            func addNext() {
                guard let name = pending.popFirst() else { return }
                group.addTask { () -> Result<[DatabaseAuthorities], DB2Error> in
                    do throws(DB2Error) { return .success(try await self.authorities(on: name)) } catch {
                        return .failure(error)
                    }
                }
            }
            for _ in 0..<4 { addNext() }
            for await result in group {
                results.append(result)
                addNext()
            }
            return results
        }
        var all: [DatabaseAuthorities] = []
        for result in results { all += try result.get() }
        return all
    }

    /// `list_users`: users (not ignored) with DATAACCESS on some database, each once with its databases, in name
    /// order, paged with a real next marker.
    public nonisolated func listUsers(limit: Int?, marker: String?, includeMarker: Bool)
        async throws(DB2Error) -> Page<DatabaseUser>
    {
        let ignored = ignoredAuthorizationIDs
        var byName: [String: Set<DatabaseName>] = [:]
        for row in try await authoritiesOnAllDatabases() where row.hasDataAccess && !ignored.contains(row.grantee) {
            byName[row.grantee, default: []].insert(row.database)
        }
        let users = byName.map { DatabaseUser(name: UserName(reported: $0.key), databases: $0.value.sorted()) }
        return Page.paginate(
            users, key: \.name.login, limit: limit, marker: marker?.lowercased(), includeMarker: includeMarker)
    }

    /// `get_user`: the user and the databases it has DATAACCESS on. A user unknown to DB2 comes back with no
    /// databases, as in Trove (which never answers null here).
    public nonisolated func user(named name: UserName) async throws(DB2Error) -> DatabaseUser {
        let databases = try await authoritiesOnAllDatabases()
            .filter { $0.grantee == name.authorizationID && $0.hasDataAccess }.map(\.database)
        return DatabaseUser(name: name, databases: Set(databases).sorted())
    }

    /// `list_access`: the databases of ``user(named:)``.
    public nonisolated func access(of name: UserName) async throws(DB2Error) -> [DatabaseName] {
        try await user(named: name).databases
    }

    // MARK: - Changes

    /// `create_user`: for each user, an OS account (`useradd`, password through `chpasswd` on standard input) and
    /// Trove's grants on each of its databases.
    ///
    /// An OS account that exists already is refused (Trove would have set its password). Every user is attempted.
    ///
    /// - Throws: ``DB2Error`` `.invalidRequest` (an ignored or existing user, no password) before anything runs
    ///   for that user; the collected failures otherwise.
    public func createUsers(_ users: [NewDatabaseUser]) async throws(DB2Error) {
        for user in users { try checkNotIgnored(user.name, step: "create_user") }
        try await exclusive { () throws(DB2Error) in
            var failures: [DB2Error] = []
            for user in users {
                do throws(DB2Error) {
                    try await createAccount(user)
                    for database in user.databases { try await grant(to: user.name, on: database) }
                    logger.info(
                        "user created",
                        metadata: ["db2.user": "\(user.name)", "db2.databases": "\(user.databases.map(\.value))"])
                } catch {
                    logger.error("user not created", metadata: ["db2.user": "\(user.name)", "error": "\(error)"])
                    failures.append(error)
                }
            }
            try Self.throwCollected(failures, step: "create_user")
        }
    }

    /// `delete_user`: revokes Trove's authorities on every database where the user holds any, then removes the
    /// OS account (`userdel -r`) only when this agent created it (``CreatedAccountRegistry``, same login and uid).
    ///
    /// An account the agent did not create (the image's `ubuntu`, DB2's fenced user, one made by an operator) is
    /// left as it is, and the log says so; its DB2 authorities are revoked all the same.
    ///
    /// - Throws: ``DB2Error`` `.notFound` when DB2 knows the user not and the agent made no account of that name;
    ///   `.invalidRequest` for an ignored user; `.fileSystem` when the record of created accounts cannot be read.
    public func deleteUser(_ name: UserName) async throws(DB2Error) {
        try checkNotIgnored(name, step: "delete_user")
        try await exclusive { () throws(DB2Error) in
            let held = try await authoritiesOnAllDatabases().filter { $0.grantee == name.authorizationID && !$0.held.isEmpty }
            for row in held { try await revoke(row.held, from: name, on: row.database) }
            let revokedOn = held.map(\.database.value)
            let login = name.login
            let registry = accountRegistry
            let found: Result<(OSAccount?, uid_t?), PathFailure> = await BlockingThreadPool.shared.run {
                Result { () throws(PathFailure) in (OSAccount.lookup(login), try registry.uid(of: login)) }
            }
            let (account, createdUID) = try Self.fileStep(found, step: "delete_user")
            guard let account, let createdUID, createdUID == account.uid else {
                if createdUID != nil { try await forgetAccount(login) }
                if let account {
                    if held.isEmpty {
                        throw DB2Error(
                            .notFound, step: "delete_user",
                            detail: "user \"\(name)\" does not exist in DB2 (the OS account of that name was not created by this agent and is left as it is)")
                    }
                    logger.warning(
                        "user revoked; its OS account is left: this agent did not create it",
                        metadata: ["db2.user": "\(name)", "os.uid": "\(account.uid)", "db2.revoked_on": "\(revokedOn)"])
                    return
                }
                if held.isEmpty { throw DB2Error(.notFound, step: "delete_user", detail: "user \"\(name)\" does not exist") }
                logger.info("user revoked; it has no OS account", metadata: ["db2.user": "\(name)", "db2.revoked_on": "\(revokedOn)"])
                return
            }
            try await runAccountTool("userdel", ["-r", login], step: "userdel")
            try await forgetAccount(login)
            logger.info("user deleted", metadata: ["db2.user": "\(name)", "db2.revoked_on": "\(revokedOn)"])
        }
    }

    /// `grant_access`: Trove's authorities on each database.
    ///
    /// - Throws: ``DB2Error`` `.notFound` when the OS account does not exist; DB2's failure otherwise.
    public func grantAccess(to name: UserName, on databases: [DatabaseName]) async throws(DB2Error) {
        try checkNotIgnored(name, step: "grant_access")
        try await exclusive { () throws(DB2Error) in
            guard await BlockingThreadPool.shared.run({ OSAccount.exists(name.login) }) else {
                throw DB2Error(.notFound, step: "grant_access", detail: "user \"\(name)\" does not exist")
            }
            for database in databases { try await grant(to: name, on: database) }
        }
    }

    /// `revoke_access`: revokes the Trove authorities the user holds on `database` (none held: nothing to do).
    public func revokeAccess(from name: UserName, on database: DatabaseName) async throws(DB2Error) {
        try checkNotIgnored(name, step: "revoke_access")
        try await exclusive { () throws(DB2Error) in
            let held = try await authorities(on: database).first { $0.grantee == name.authorizationID }?.held ?? []
            guard !held.isEmpty else {
                logger.info("nothing to revoke", metadata: ["db2.user": "\(name)", "db2.database": "\(database)"])
                return
            }
            try await revoke(held, from: name, on: database)
        }
    }

    func grant(to name: UserName, on database: DatabaseName) async throws(DB2Error) {
        try await executor.clpChecked(
            [
                "CONNECT TO \(database)",
                "GRANT \(DatabaseAuthorities.grantClause) ON DATABASE TO USER \(name.authorizationID)",
            ], step: "GRANT", database: database.value, timeout: configuration.commandTimeout)
    }

    /// Revokes exactly the authorities held, in one statement (DB2 refuses a REVOKE naming one that is not held,
    /// SQL0556N, and CONNECT, CREATETAB or BINDADD of a DBADM holder without DBADM, SQLSTATE 42504).
    func revoke(_ held: Set<String>, from name: UserName, on database: DatabaseName) async throws(DB2Error) {
        let authorities = DatabaseAuthorities.revocable.map(\.authority).filter(held.contains)
        guard !authorities.isEmpty else { return }
        try await executor.clpChecked(
            [
                "CONNECT TO \(database)",
                "REVOKE \(authorities.joined(separator: ",")) ON DATABASE FROM USER \(name.authorizationID)",
            ], step: "REVOKE", database: database.value, timeout: configuration.commandTimeout)
    }

    /// `useradd -m -d /home/<login> <login>`, recorded as the agent's (``CreatedAccountRegistry``), then the password
    /// through `chpasswd`'s standard input; an account that could not be recorded or whose password could not be
    /// set is removed again.
    func createAccount(_ user: NewDatabaseUser) async throws(DB2Error) {
        let login = user.name.login
        guard !user.password.revealed.isEmpty, !user.password.revealed.contains("\n") else {
            throw .invalid("user \"\(login)\" needs a password (one line)", step: "create_user")
        }
        if await BlockingThreadPool.shared.run({ OSAccount.exists(login) }) {
            throw DB2Error(.invalidRequest, step: "useradd", detail: "an OS account named \"\(login)\" exists already")
        }
        try await runAccountTool("useradd", ["-m", "-d", "/home/\(login)", login], step: "useradd")
        do throws(DB2Error) {
            let registry = accountRegistry
            let recorded: Result<Void, PathFailure> = await BlockingThreadPool.shared.run {
                Result { () throws(PathFailure) in
                    guard let account = OSAccount.lookup(login) else {
                        throw PathFailure("record", registry.path, code: ENOENT, reason: "useradd made no account \(login)")
                    }
                    try registry.record(login, uid: account.uid)
                }
            }
            try Self.fileStep(recorded, step: "record the OS account")
        } catch {
            try? await runAccountTool("userdel", ["-r", login], step: "userdel")
            throw error
        }
        do throws(DB2Error) {
            try await runAccountTool(
                "chpasswd", [], step: "chpasswd", input: Secret(Array("\(login):\(user.password.revealed)\n".utf8)))
        } catch {
            try? await runAccountTool("userdel", ["-r", login], step: "userdel")
            try? await forgetAccount(login)
            throw error
        }
    }

    /// The record of the OS accounts the agent created, in `state_dir`.
    nonisolated var accountRegistry: CreatedAccountRegistry {
        CreatedAccountRegistry(directory: configuration.stateDirectory)
    }

    /// Drops `login` from the record of created accounts.
    func forgetAccount(_ login: String) async throws(DB2Error) {
        let registry = accountRegistry
        let result: Result<Void, PathFailure> = await BlockingThreadPool.shared.run {
            Result { () throws(PathFailure) in try registry.forget(login) }
        }
        try Self.fileStep(result, step: "update the record of OS accounts")
    }

    func runAccountTool(
        _ name: String, _ arguments: [String], step: String, input: Secret<[UInt8]>? = nil
    ) async throws(DB2Error) {
        let outcome = try await runner.run(
            ProcessRequest(
                executable: try SystemTool.path(name, step: step), arguments: arguments,
                environment: SystemTool.environment, input: input, timeout: configuration.commandTimeout, step: step))
        guard outcome.exitCode == 0 else {
            throw DB2Error(
                .accountFailed, step: step,
                detail: "exit \(outcome.exitCode.map(String.init) ?? "by signal"): \(outcome.combinedOutput.excerpt)")
        }
    }
}
