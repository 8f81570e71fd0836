import Logging
extension DB2Manager {
    /// Checks every database's archive logging and repairs what an online backup would trip over: LOGARCHMETH1
    /// not `DISK:<archive dir>` (reset behind the agent's back, or restored from elsewhere) is set again and the
    /// BACKUP PENDING that follows is cleared; a database left in BACKUP PENDING gets its backup to /dev/null.
    ///
    /// Run at start-up under `DB2OnlineBackup` and before each online backup.
    ///
    /// - Returns: what was found and done, per database.
    /// - Throws: ``DB2Error`` for a database that could not be made recoverable (typed by DB2's message, e.g.
    ///   `.rollforwardPending`), after trying all of them.
    public func ensureRecoverable() async throws(DB2Error) -> RecoverabilityReport {
        try await exclusive { () throws(DB2Error) in try await ensureRecoverableLocked() }
    }

    func ensureRecoverableLocked() async throws(DB2Error) -> RecoverabilityReport {
        try await ensureArchiveDirectory()
        var entries: [RecoverabilityReport.Entry] = []
        var failures: [DB2Error] = []
        for name in try await databases() {
            do throws(DB2Error) {
                entries.append(try await ensureRecoverable(name))
            } catch {
                logger.error("database is not recoverable", metadata: ["db2.database": "\(name)", "error": "\(error)"])
                failures.append(error)
            }
        }
        let report = RecoverabilityReport(entries: entries)
        for entry in report.repaired {
            logger.notice("archive logging repaired", metadata: ["db2.database": "\(entry.database)", "db2.action": "\(entry)"])
        }
        try Self.throwCollected(failures, step: "make the databases recoverable")
        return report
    }

    func ensureRecoverable(_ name: DatabaseName) async throws(DB2Error) -> RecoverabilityReport.Entry {
        let listing = try await databaseConfiguration(name)
        let method = listing[parameter: "LOGARCHMETH1"] ?? "OFF"
        if Self.sameArchiveTarget(method, configuration.archiveMethod) {
            if listing.isSet("Backup pending") {
                try await clearBackupPending(name)
                return .init(database: name, action: .backupPendingCleared)
            }
            // DB2 may only notice a pending backup at activation: a connection tells for sure.
            let probe = try await executor.clp(
                ["CONNECT TO \(name)", "CONNECT RESET"], step: "connect", database: name.value,
                timeout: configuration.commandTimeout)
            if let error = probe.firstFailure?.error {
                guard DB2Error.kind(of: error) == .backupPending else {
                    throw DB2Error.from(error, step: "connect", database: name.value)
                }
                try await clearBackupPending(name)
                return .init(database: name, action: .backupPendingCleared)
            }
            return .init(database: name, action: .alreadyRecoverable)
        }
        try await enableArchiveLogging(name, previous: method)
        return .init(database: name, action: .archiveLoggingRepaired(previous: method))
    }

    /// `DISK:/a/b/` and `DISK:/a/b` name the same directory.
    static func sameArchiveTarget(_ lhs: String, _ rhs: String) -> Bool {
        func normalized(_ value: String) -> String {
            var text = value.trimmingBlanks()
            while text.hasSuffix("/") { text.removeLast() }
            return text.uppercased().hasPrefix("DISK:") ? "DISK:" + text.dropFirst(5) : text
        }
        return normalized(lhs) == normalized(rhs)
    }
}
