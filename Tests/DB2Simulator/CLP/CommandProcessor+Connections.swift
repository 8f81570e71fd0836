import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CONNECT, CONNECT RESET, TERMINATE, FORCE APPLICATION, QUIESCE/UNQUIESCE INSTANCE and the LIST commands about
/// applications, utilities and active databases.
extension CommandProcessor {
    func connect(to alias: String, user: String?) throws -> CommandOutput {
        let authorizationID = user ?? session.authorizationID
        try session.instance.update { state in
            try session.requireStarted(state)
            let entry = try session.entry(alias, in: state)
            if state.quiesce != nil, !isSystemAdministrator(user: user) {
                throw DB2Failure(DB2Message("SQL20157N", authorizationID))
            }
            if let current = session.ownConnection(in: state), current.database == entry.alias, !current.forced {
                return
            }
            state.connections.removeAll { $0.owner == session.backend && $0.utility == nil }
            try session.activate(entry, in: &state)
            state.connections.append(
                InstanceState.Connection(
                    owner: session.backend, database: entry.alias, authorizationID: authorizationID,
                    applicationHandle: state.nextApplicationHandle, since: DB2Time.now(), forced: false, utility: nil))
            state.nextApplicationHandle += 1
        }
        return CommandOutput(text: connectionInformation(alias: alias, authorizationID: authorizationID))
    }

    func showConnection() throws -> CommandOutput {
        let state = try session.instance.read()
        guard let connection = session.ownConnection(in: state), connection.owner.isAlive else {
            throw DB2Failure(DB2Message("SQL1024N"))
        }
        return CommandOutput(
            text: connectionInformation(alias: connection.database, authorizationID: connection.authorizationID))
    }

    func connectReset() throws -> CommandOutput {
        try session.instance.update { state in
            state.connections.removeAll { $0.owner == session.backend && $0.utility == nil }
        }
        return .message(.completed("SQL"))
    }

    func terminate() throws -> CommandOutput {
        try session.instance.update { state in
            state.connections.removeAll { $0.owner == session.backend && $0.utility == nil }
        }
        return .message(.completed("TERMINATE"))
    }

    func forceApplications(all: Bool, handles: [Int]) throws -> CommandOutput {
        try session.instance.update { state in
            try session.requireStarted(state)
            forceConnections(in: &state) { all || handles.contains($0.applicationHandle) }
        }
        return .messages([.completed("FORCE APPLICATION"), DB2Message("DB21024I")])
    }

    /// Ends connections: a CLP back-end learns at its next request (SQL1224N); a utility finds its registration gone
    /// and fails.
    private func forceConnections(in state: inout InstanceState, where chosen: (InstanceState.Connection) -> Bool) {
        state.connections = state.connections.compactMap { connection in
            guard chosen(connection) else { return connection }
            if connection.utility != nil { return nil }
            var forced = connection
            forced.forced = true
            return forced
        }
    }

    func quiesceInstance(_ name: String, restrictedAccess: Bool, forceConnections force: Bool) throws -> CommandOutput {
        try session.instance.update { state in
            guard name.uppercased() == state.instanceName.uppercased() else { throw DB2Failure(DB2Message("SQL1097N")) }
            try session.requireStarted(state)
            state.quiesce = InstanceState.Quiesce(restrictedAccess: restrictedAccess, since: DB2Time.now())
            if force { forceConnections(in: &state) { _ in true } }
        }
        return .message(.completed("QUIESCE INSTANCE"))
    }

    func unquiesceInstance(_ name: String) throws -> CommandOutput {
        try session.instance.update { state in
            guard name.uppercased() == state.instanceName.uppercased() else { throw DB2Failure(DB2Message("SQL1097N")) }
            try session.requireStarted(state)
            state.quiesce = nil
        }
        return .message(.completed("UNQUIESCE INSTANCE"))
    }

    /// `GET SNAPSHOT FOR DATABASE MANAGER`: the instance's monitor snapshot, of which the stand-in keeps the lines
    /// that describe the instance; `Database manager status` is the `db2_status` monitor element: `Active`,
    /// `Quiesce pending` or `Quiesced` (GET SNAPSHOT command, db2_status element; see README).
    func snapshotDatabaseManager() throws -> CommandOutput {
        let state = try session.instance.read()
        try session.requireStarted(state)
        let status = state.quiesce == nil ? "Active" : "Quiesced"
        let lines = [
            "",
            "              Database Manager Snapshot",
            "",
            "Node name                                      =",
            "Node type                                      = Enterprise Server Edition with local and remote clients",
            "Instance name                                  = \(state.instanceName)",
            "Number of members in DB2 instance              = 1",
            "Database manager status                        = \(status)",
            "",
            "Product name                                   = DB2 v11.5.8.0",
            "Service level                                  = s2209201700 (DYN2209201700AMD64)",
            "",
            "Remote connections to db manager               = 0",
            "Local connections                              = \(state.liveConnections.filter { !$0.forced }.count)",
            "Active local databases                         = \(state.activeDatabases.count)",
            "",
        ]
        return CommandOutput(text: lines.map { $0 + "\n" }.joined())
    }

    func listApplications() throws -> CommandOutput {
        let state = try session.instance.read()
        try session.requireStarted(state)
        let connections = state.liveConnections.filter { !$0.forced }
        guard !connections.isEmpty else { return .message(DB2Message("SQL1611W")) }
        var lines = [
            "",
            "Auth Id  Application    Appl.      Application Id                                                 DB       # of",
            "         Name           Handle                                                                    Name    Agents",
            "-------- -------------- ---------- -------------------------------------------------------------- -------- -----",
        ]
        for connection in connections.sorted(by: { $0.applicationHandle < $1.applicationHandle }) {
            let id = "*LOCAL.\(state.instanceName).\(DB2Time.backupTimestamp(connection.since).dropFirst(2))"
            lines.append(
                [
                    connection.authorizationID.padded(to: 8), "db2bp".padded(to: 14),
                    String(connection.applicationHandle).padded(to: 10), id.padded(to: 62),
                    connection.database.padded(to: 8), "1".padded(to: 5),
                ].joined(separator: " "))
        }
        lines.append("")
        return CommandOutput(text: lines.map { $0 + "\n" }.joined())
    }

    func listUtilities() throws -> CommandOutput {
        let state = try session.instance.read()
        try session.requireStarted(state)
        let utilities = state.liveConnections.compactMap { connection in connection.utility.map { (connection, $0) } }
        guard !utilities.isEmpty else { return .message(DB2Message("SQL1611W")) }
        var lines: [String] = []
        for (connection, utility) in utilities.sorted(by: { $0.1.id < $1.1.id }) {
            lines += [
                "ID                               = \(utility.id)",
                "Type                             = \(utility.type)",
                "Database Name                    = \(connection.database)",
                "Member Number                    = 0",
                "Description                      = \(utility.description)",
                "Start Time                       = \(DB2Time.utilityTimestamp(connection.since))",
                "State                            = Executing",
                "Invocation Type                  = User",
                "",
            ]
        }
        return CommandOutput(text: lines.map { $0 + "\n" }.joined())
    }

    func listActiveDatabases() throws -> CommandOutput {
        let state = try session.instance.read()
        try session.requireStarted(state)
        let active = state.activeDatabases.sorted()
        guard !active.isEmpty else { return .message(DB2Message("SQL1611W")) }
        var lines = ["", "                           Active Databases", ""]
        for alias in active {
            guard let entry = state.entry(alias) else { continue }
            lines += [
                "Database name                              = \(entry.name)",
                "Applications connected currently           = \(state.connections(to: alias).count)",
                "Database path                              = \(session.instance.location(of: entry).root)/",
                "",
            ]
        }
        return CommandOutput(text: lines.map { $0 + "\n" }.joined())
    }

    private func connectionInformation(alias: String, authorizationID: String) -> String {
        let lines = [
            "",
            "   Database Connection Information",
            "",
            " Database server        = DB2/LINUXX8664 11.5.8.0",
            " SQL authorization ID   = \(authorizationID)",
            " Local database alias   = \(alias)",
            "",
        ]
        return lines.map { $0 + "\n" }.joined()
    }

    /// SYSADM: root, or the owner of the instance home (a connection to a quiesced instance needs it).
    private func isSystemAdministrator(user: String?) -> Bool {
        if let user, user.uppercased() != session.authorizationID { return false }
        if geteuid() == 0 { return true }
        var info = stat()
        return stat(session.layout.home, &info) == 0 && info.st_uid == geteuid()
    }
}
