import Foundation

/// GET/UPDATE DATABASE CONFIGURATION and GET/UPDATE DATABASE MANAGER CONFIGURATION.
extension CommandProcessor {
    func getDatabaseManagerConfiguration() throws -> CommandOutput {
        let state = try session.instance.read()
        let placeholders = ["HOME": state.home]
        let lines = ConfigurationValues.render(ConfigurationTables.databaseManager) { parameter in
            guard let name = parameter.name else {
                return ConfigurationValues.substitute(parameter.defaultValue, placeholders)
            }
            return state.databaseManagerConfiguration.value(
                name, in: ConfigurationTables.databaseManager, placeholders: placeholders)
        }
        let text =
            ["", "          Database Manager Configuration", "",
             "     Node type = Enterprise Server Edition with local and remote clients", ""]
            + lines + [""]
        return CommandOutput(text: text.map { $0 + "\n" }.joined())
    }

    func updateDatabaseManagerConfiguration(_ changes: [ConfigurationChange]) throws -> CommandOutput {
        try session.instance.update { state in
            for change in changes {
                let table = ConfigurationTables.databaseManager
                let current = state.databaseManagerConfiguration.value(change.name, in: table)
                let value = try ConfigurationValues.normalize(
                    name: change.name, value: change.value, automatic: change.automatic, current: current, in: table)
                state.databaseManagerConfiguration.set(change.name, value)
            }
        }
        return .message(.completed("UPDATE DATABASE MANAGER CONFIGURATION"))
    }

    /// The database a configuration command is about: the one named, or the one this back-end is connected to.
    private func configurationTarget(_ alias: String?) throws -> InstanceState.DirectoryEntry {
        if let alias { return try session.entry(alias, in: try session.instance.read()) }
        return try session.connectedDatabase()
    }

    func getDatabaseConfiguration(_ alias: String?) throws -> CommandOutput {
        let entry = try configurationTarget(alias)
        let store = session.instance.databaseStore(for: entry)
        return try store.read { database in
            let table = ConfigurationTables.database
            let placeholders = ["LOGPATH": store.location.logDirectory + "/"]
            let method = database.configuration.value("LOGARCHMETH1", in: table)
            let status: [String: String] = [
                "Database territory": database.territory,
                "Database code set": database.codeset,
                "Backup pending": database.backupPending ? "YES" : "NO",
                "Restore pending": database.restorePending == true ? "YES" : "NO",
                "Rollforward pending": database.rollforward == nil ? "NO" : "DATABASE",
                "Log retain for recovery status": method == "LOGRETAIN" ? "RECOVERY" : "NO",
                "User exit for logging status": ["OFF", "LOGRETAIN"].contains(method) ? "NO" : "YES",
                "First active log file": LogFile.name(database.log.position.file),
            ]
            let lines = ConfigurationValues.render(table) { parameter in
                if let name = parameter.name {
                    return database.configuration.value(name, in: table, placeholders: placeholders)
                }
                return status[parameter.description]
                    ?? ConfigurationValues.substitute(parameter.defaultValue, placeholders)
            }
            let text = ["", "       Database Configuration for Database \(entry.alias)", ""] + lines + [""]
            return CommandOutput(text: text.map { $0 + "\n" }.joined())
        }
    }

    /// Updates database parameters. Switching LOGARCHMETH1 (or LOGARCHMETH2) on from circular logging makes the
    /// database recoverable from its next activation, which then finds it BACKUP PENDING until a full backup.
    ///
    /// TRACKMOD is "Configurable" (not "Configurable online": IBM, *trackmod*,
    /// https://www.ibm.com/docs/en/SSCJDQ/com.ibm.db2.luw.admin.config.doc/doc/r0004469.html): a change takes effect
    /// at the next activation. Changed while the database is active, the CLP says so with SQL1363W instead of
    /// DB20000I [mem].
    func updateDatabaseConfiguration(_ alias: String?, _ changes: [ConfigurationChange]) throws -> CommandOutput {
        let entry = try configurationTarget(alias)
        let active = try session.instance.read().activeDatabases.contains(entry.alias)
        let deferred = try session.instance.databaseStore(for: entry).update { database -> Bool in
            let table = ConfigurationTables.database
            func archiving(_ values: ConfigurationValues) -> Bool {
                values.value("LOGARCHMETH1", in: table) != "OFF" || values.value("LOGARCHMETH2", in: table) != "OFF"
            }
            let wasArchiving = archiving(database.configuration)
            for change in changes {
                let current = database.configuration.value(change.name, in: table)
                let value = try ConfigurationValues.normalize(
                    name: change.name, value: change.value, automatic: change.automatic, current: current, in: table)
                database.configuration.set(change.name, value)
            }
            let isArchiving = archiving(database.configuration)
            if !wasArchiving, isArchiving { database.archivingPendingActivation = true }
            if !isArchiving {
                database.archivingPendingActivation = false
                database.backupPending = false
            }
            if !active { database.applyTrackmodChange() }
            return active && (database.trackmodInEffect ?? false) != database.trackmodConfigured
        }
        if deferred { return .message(DB2Message("SQL1363W")) }
        return .message(.completed("UPDATE DATABASE CONFIGURATION"))
    }
}
