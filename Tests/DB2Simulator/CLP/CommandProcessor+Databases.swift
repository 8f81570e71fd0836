import Foundation

/// CREATE/DROP/ACTIVATE/DEACTIVATE DATABASE and LIST DATABASE DIRECTORY.
extension CommandProcessor {
    /// Database names: 1 to 8 of A-Z, 0-9, @, #, $, not starting with a digit nor with SYS, DBM or IBM.
    static func isValidDatabaseName(_ name: String) -> Bool {
        let upper = name.uppercased()
        guard (1...8).contains(upper.count), let first = upper.first, !first.isNumber else { return false }
        guard upper.allSatisfy({ ("A"..."Z").contains($0) || $0.isNumber || "@#$".contains($0) }) else { return false }
        return !["SYS", "DBM", "IBM"].contains { upper.hasPrefix($0) }
    }

    func createDatabase(_ name: String, path: String?, codeset: String?, territory: String?) throws -> CommandOutput {
        guard Self.isValidDatabaseName(name) else { throw DB2Failure(DB2Message("SQL1001N", name)) }
        let alias = name.uppercased()
        try session.instance.update { state in
            try session.requireStarted(state)
            if state.entry(alias) != nil { throw DB2Failure(DB2Message("SQL1005N", alias)) }
            let onPath = path ?? state.defaultDatabasePath
            guard FileSystem.isDirectory(onPath) else { throw DB2Failure(DB2Message("SQL1052N", onPath)) }
            let nodeDirectory = session.layout.nodeDirectory(onPath: onPath)
            var number = state.nextDatabaseNumber
            while FileSystem.exists("\(nodeDirectory)/SQL\(DB2Time.pad(number, 5))") { number += 1 }
            state.nextDatabaseNumber = number + 1
            let entry = InstanceState.DirectoryEntry(
                alias: alias, name: alias, localDirectory: onPath, subdirectory: "SQL\(DB2Time.pad(number, 5))",
                comment: "")
            let now = DB2Time.now()
            let database = DatabaseState(
                name: alias, seed: UInt32.random(in: 1...UInt32.max), createdAt: now, territory: territory ?? "US",
                codeset: codeset ?? "UTF-8", configuration: ConfigurationValues(), backupPending: false,
                archivingPendingActivation: false, rollforward: nil, tables: [], nextTableID: 4,
                authorities: [
                    AuthorityRow(
                        grantor: "SYSIBM", grantee: session.authorizationID, granteeType: "U",
                        authorities: [.dbadm, .secadm, .dataaccess, .accessctrl]),
                    AuthorityRow(
                        grantor: "SYSIBM", grantee: "PUBLIC", granteeType: "G",
                        authorities: [.createtab, .bindadd, .connect, .implicitSchema]),
                ],
                log: LogState(
                    chain: 0, position: LogPosition(file: 0, offset: LogFile.headerSize), currentFileSize: 0,
                    archivedThrough: -1, nextTransactionID: 1),
                lastBackupTimestamp: nil, lastCommitTime: nil, backupsInProgress: [], filesToDelete: [])
            do {
                try session.instance.databaseStore(for: entry).create(database)
            } catch {
                FileSystem.remove(session.instance.location(of: entry).root)
                throw error
            }
            state.directory.append(entry)
        }
        return .message(.completed("CREATE DATABASE"))
    }

    func dropDatabase(_ alias: String) throws -> CommandOutput {
        try session.instance.update { state in
            try session.requireStarted(state)
            let entry = try session.entry(alias, in: state)
            if !state.connections(to: alias).isEmpty || state.activatedDatabases.contains(alias) {
                throw DB2Failure(DB2Message("SQL1035N"))
            }
            state.directory.removeAll { $0.alias == alias }
            state.connections.removeAll { $0.database == alias }
            FileSystem.remove(session.instance.location(of: entry).root)
        }
        return .message(.completed("DROP DATABASE"))
    }

    func activateDatabase(_ alias: String) throws -> CommandOutput {
        try session.instance.update { state in
            try session.requireStarted(state)
            let entry = try session.entry(alias, in: state)
            if state.activatedDatabases.contains(alias) { return .message(DB2Message("SQL1490W")) }
            try session.activate(entry, in: &state)
            state.activatedDatabases.append(alias)
            return .message(.completed("ACTIVATE DATABASE"))
        }
    }

    func deactivateDatabase(_ alias: String) throws -> CommandOutput {
        try session.instance.update { state in
            try session.requireStarted(state)
            _ = try session.entry(alias, in: state)
            let wasActivated = state.activatedDatabases.contains(alias)
            state.activatedDatabases.removeAll { $0 == alias }
            if !state.connections(to: alias).isEmpty { return .message(DB2Message("SQL1495W")) }
            if !wasActivated { return .message(DB2Message("SQL1496N")) }
            return .message(.completed("DEACTIVATE DATABASE"))
        }
    }

    func listDatabaseDirectory() throws -> CommandOutput {
        let state = try session.instance.read()
        guard !state.directory.isEmpty else { return .message(DB2Message("SQL1057W")) }
        var lines = ["", " System Database Directory", "", " Number of entries in the directory = \(state.directory.count)", ""]
        for (index, entry) in state.directory.enumerated() {
            lines += [
                "Database \(index + 1) entry:",
                "",
                " Database alias                       = \(entry.alias)",
                " Database name                        = \(entry.name)",
                " Local database directory             = \(entry.localDirectory)",
                " Database release level               = 15.00",
                " Comment                              =" + (entry.comment.isEmpty ? "" : " \(entry.comment)"),
                " Directory entry type                 = Indirect",
                " Catalog database partition number    = 0",
                " Alternate server hostname            =",
                " Alternate server port number         =",
                "",
            ]
        }
        return CommandOutput(text: lines.map { $0 + "\n" }.joined())
    }
}
