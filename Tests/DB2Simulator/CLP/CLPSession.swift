import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What one `db2` front-end process works with: the instance, its CLP back-end (named by the front-end's parent
/// process, as DB2 finds its `db2bp`), the user it runs as, and a way to answer prompts.
final class CLPSession {
    let layout: InstanceLayout
    let instance: InstanceStore
    /// The process whose back-end this front-end uses: the parent of the `db2` process.
    let backend: ProcessIdentity
    /// The authorization ID: the user running the command, upper-cased.
    let authorizationID: String
    let faults: FaultInjector
    /// Reads one line of standard input (the answer to a prompt); nil at end of input.
    let readLine: () -> String?

    init(layout: InstanceLayout, backend: ProcessIdentity, readLine: @escaping () -> String?) {
        self.layout = layout
        instance = InstanceStore(layout: layout)
        self.backend = backend
        authorizationID = Self.currentUser().uppercased()
        faults = FaultInjector(layout: layout)
        self.readLine = readLine
    }

    /// The login name of the effective user.
    static func currentUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "db2inst1"
    }

    /// - Throws: ``DB2Failure`` SQL1032N when `db2sysc` does not run.
    func requireStarted(_ state: InstanceState) throws {
        guard state.isStarted else { throw DB2Failure(DB2Message("SQL1032N")) }
    }

    /// The directory entry of a database alias.
    ///
    /// - Throws: ``DB2Failure`` SQL1013N when the directory has no such alias.
    func entry(_ alias: String, in state: InstanceState) throws -> InstanceState.DirectoryEntry {
        guard let entry = state.entry(alias) else { throw DB2Failure(DB2Message("SQL1013N", alias)) }
        return entry
    }

    /// This back-end's connection, if it has one.
    func ownConnection(in state: InstanceState) -> InstanceState.Connection? {
        state.connections.first { $0.owner == backend && $0.utility == nil }
    }

    /// The database this back-end is connected to, for an SQL statement.
    ///
    /// - Throws: ``DB2Failure`` SQL1032N (instance stopped), SQL1224N (the connection was forced; it is dropped),
    ///   SQL1024N (no connection).
    func connectedDatabase() throws -> InstanceState.DirectoryEntry {
        try instance.update { state in
            try requireStarted(state)
            guard let connection = ownConnection(in: state) else { throw DB2Failure(DB2Message("SQL1024N")) }
            if connection.forced {
                state.connections.removeAll { $0 == connection }
                throw DB2Failure(DB2Message("SQL1224N"))
            }
            guard let entry = state.entry(connection.database) else {
                state.connections.removeAll { $0 == connection }
                throw DB2Failure(DB2Message("SQL1024N"))
            }
            return entry
        }
    }

    /// Activates a database that has no connection yet, as a first CONNECT or ACTIVATE DATABASE does: the
    /// database's pending states are checked, and a LOGARCHMETH1 change waiting for activation takes effect.
    ///
    /// - Throws: ``DB2Failure`` SQL1035N (a utility has the database to itself), SQL1119N (restore pending),
    ///   SQL1117N (rollforward pending),
    ///   SQL1116N (backup pending), SQL1041N (NUMDB active databases already).
    func activate(_ entry: InstanceState.DirectoryEntry, in state: inout InstanceState) throws {
        if state.liveConnections.contains(where: { $0.database == entry.alias && ($0.utility?.exclusive ?? false) }) {
            throw DB2Failure(DB2Message("SQL1035N"))
        }
        let active = state.activeDatabases
        let store = instance.databaseStore(for: entry)
        let refusal: DB2Message? = try store.update { database in
            if database.restorePending == true { return DB2Message("SQL1119N", entry.alias) }
            if database.rollforward != nil { return DB2Message("SQL1117N", entry.alias) }
            if !active.contains(entry.alias) {
                // Changes that wait for the next activation take effect now.
                database.applyTrackmodChange()
                if database.archivingPendingActivation {
                    database.archivingPendingActivation = false
                    database.backupPending = true
                }
                if database.log.currentFileSize != LogWriter.fileSize(for: database) {
                    try LogWriter.rollOver(state: &database, location: store.location)
                }
            }
            return database.backupPending ? DB2Message("SQL1116N", entry.alias) : nil
        }
        if let refusal { throw DB2Failure(refusal) }
        if !active.contains(entry.alias), active.count >= (state.server?.maximumActiveDatabases ?? 32) {
            throw DB2Failure(DB2Message("SQL1041N"))
        }
    }

    /// Registers a utility (BACKUP, RESTORE, ROLLFORWARD) working on `database`, owned by this process.
    func registerUtility(
        database: String, type: String, description: String, exclusive: Bool, in state: inout InstanceState
    ) throws -> InstanceState.Utility {
        guard let me = ProcessIdentity.current else { throw DB2Failure(DB2Message("SQL0902C", "1")) }
        let utility = InstanceState.Utility(
            id: state.nextUtilityID, type: type, description: description, exclusive: exclusive)
        state.nextUtilityID += 1
        state.connections.append(
            InstanceState.Connection(
                owner: me, database: database, authorizationID: authorizationID,
                applicationHandle: state.nextApplicationHandle, since: DB2Time.now(), forced: false, utility: utility))
        state.nextApplicationHandle += 1
        return utility
    }

    /// Removes the utility this process registered. Should that fail, the entry still goes away: entries of ended
    /// processes are pruned at the next update.
    func unregisterUtility(_ utility: InstanceState.Utility) {
        _ = try? instance.update { state in state.connections.removeAll { $0.utility?.id == utility.id } }
    }
}
