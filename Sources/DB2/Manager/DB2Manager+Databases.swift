import Logging
import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

extension DB2Manager {
    /// The local databases, sorted by name: `LIST DATABASE DIRECTORY`, entries of type `Indirect`.
    ///
    /// - Throws: ``DB2Error`` when the CLP fails (an empty directory is an empty list).
    public nonisolated func databases() async throws(DB2Error) -> [DatabaseName] {
        let transcript = try await executor.clp(
            ["LIST DATABASE DIRECTORY"], step: "LIST DATABASE DIRECTORY", timeout: configuration.commandTimeout)
        try transcript.check(step: "LIST DATABASE DIRECTORY", tolerating: ["SQL1057W"])
        let entries = DatabaseDirectoryEntry.parseLocal(transcript.statements.first?.output ?? "")
        return Set(entries.map { DatabaseName(reported: $0.alias) }).sorted()
    }

    /// `list_databases`: a page of databases in name order, with a real next marker.
    public nonisolated func listDatabases(limit: Int?, marker: String?, includeMarker: Bool)
        async throws(DB2Error) -> Page<DatabaseName>
    {
        let all = try await databases()
        return Page.paginate(
            all, key: \.value, limit: limit, marker: marker?.uppercased(), includeMarker: includeMarker)
    }

    /// `create_database`: creates each database; under `DB2OnlineBackup` each also gets archive logging
    /// (`LOGARCHMETH1 'DISK:<archive dir>'`) and the throw-away backup to `/dev/null` that clears BACKUP PENDING.
    ///
    /// Every database is attempted; failures are collected.
    ///
    /// - Throws: ``DB2Error`` naming every database that could not be created (or made recoverable), typed by
    ///   the first failure (e.g. `.alreadyExists`).
    public func createDatabases(_ names: [DatabaseName]) async throws(DB2Error) {
        try await exclusive { () throws(DB2Error) in
            var failures: [DB2Error] = []
            for name in names {
                do throws(DB2Error) {
                    try await executor.clpChecked(
                        ["CREATE DATABASE \(name)"], step: "CREATE DATABASE", database: name.value,
                        timeout: configuration.longCommandTimeout)
                    logger.info("database created", metadata: ["db2.database": "\(name)"])
                    if configuration.backupStrategy == .online {
                        try await enableArchiveLogging(name, previous: "OFF")
                    }
                } catch {
                    logger.error("database not created", metadata: ["db2.database": "\(name)", "error": "\(error)"])
                    failures.append(error)
                }
            }
            try Self.throwCollected(failures, step: "create_database")
        }
    }

    /// `delete_database`: `DROP DATABASE`.
    ///
    /// - Throws: ``DB2Error`` `.databaseNotFound`, `.inUse` (connections or a utility hold it), ...
    public func deleteDatabase(_ name: DatabaseName) async throws(DB2Error) {
        try await exclusive { () throws(DB2Error) in
            try await executor.clpChecked(
                ["DROP DATABASE \(name)"], step: "DROP DATABASE", database: name.value,
                timeout: configuration.longCommandTimeout)
            logger.info("database dropped", metadata: ["db2.database": "\(name)"])
        }
    }

    /// One error for several failures: the first one's kind and message, every failure in the detail.
    static func throwCollected(_ failures: [DB2Error], step: String) throws(DB2Error) {
        guard let first = failures.first else { return }
        if failures.count == 1 { throw first }
        throw DB2Error(
            first.kind, step: step, message: first.message,
            detail: failures.map(\.description).joined(separator: "; "))
    }

    // MARK: - Archive logging

    /// The archive directory, created with the owner DB2 runs as and mode 0750.
    func ensureArchiveDirectory() async throws(DB2Error) {
        try await ensureOwnedDirectory(configuration.archiveLogDirectory, mode: 0o750, step: "create the archive log directory")
    }

    /// Creates `path` (and missing parents) owned by the instance owner with `mode`; an existing directory gets the
    /// owner and mode too.
    ///
    /// The directory is reached and changed through a descriptor (``DirectoryHandle``): a symbolic link that the
    /// owner put in its place or on the way (`<mount>/ArchiveLogs -> /etc`) is not followed, and the step fails
    /// naming it. Replacing the link would destroy what someone put there on purpose; following it would give the
    /// owner the link's target.
    func ensureOwnedDirectory(_ path: String, mode: mode_t, step: String) async throws(DB2Error) {
        let owner = executor.owner
        let asRoot = geteuid() == 0
        let result: Result<Void, PathFailure> = await BlockingThreadPool.shared.run {
            Result { () throws(PathFailure) in
                try DirectoryHandle.ensureDirectory(
                    path, uid: asRoot ? owner.uid : nil, gid: asRoot ? owner.gid : nil, mode: mode)
            }
        }
        if case .failure(let failure) = result { throw DB2Error(.fileSystem, step: step, detail: failure.description) }
    }

    /// Sets `LOGARCHMETH1 'DISK:<archive dir>'`, clears the BACKUP PENDING this causes (when logging was circular
    /// before) with `BACKUP DATABASE X TO /dev/null`, and checks that the database accepts a connection.
    func enableArchiveLogging(_ name: DatabaseName, previous: String) async throws(DB2Error) {
        try await ensureArchiveDirectory()
        try await executor.clpChecked(
            ["UPDATE DATABASE CONFIGURATION FOR \(name) USING LOGARCHMETH1 'DISK:\(configuration.archiveLogDirectory)'"],
            step: "set LOGARCHMETH1", database: name.value, timeout: configuration.commandTimeout)
        try await clearBackupPending(name)
        logger.info(
            "archive logging on",
            metadata: ["db2.database": "\(name)", "db2.logarchmeth1": "\(configuration.archiveMethod)", "db2.previous": "\(previous)"])
    }

    /// The throw-away offline backup that ends BACKUP PENDING, then a connection to prove it.
    func clearBackupPending(_ name: DatabaseName) async throws(DB2Error) {
        try await executor.clpChecked(
            ["BACKUP DATABASE \(name) TO /dev/null"], step: "BACKUP DATABASE TO /dev/null (clears BACKUP PENDING)",
            database: name.value, timeout: configuration.backupTimeout)
        try await executor.clpChecked(
            ["CONNECT TO \(name)", "CONNECT RESET"], step: "connect after the backup", database: name.value,
            timeout: configuration.commandTimeout)
    }

    /// `GET DATABASE CONFIGURATION FOR X`.
    public nonisolated func databaseConfiguration(_ name: DatabaseName) async throws(DB2Error) -> ConfigurationListing {
        let transcript = try await executor.clpChecked(
            ["GET DATABASE CONFIGURATION FOR \(name)"], step: "GET DATABASE CONFIGURATION", database: name.value,
            timeout: configuration.commandTimeout)
        return ConfigurationListing(transcript.statements.first?.output ?? "")
    }
}
