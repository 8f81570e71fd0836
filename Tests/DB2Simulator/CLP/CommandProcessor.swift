import Foundation

/// Executes one CLP command or SQL statement for a `db2` front-end and says what it printed and returned.
struct CommandProcessor {
    let session: CLPSession
    /// False with option `-x`: query results without headings.
    let headings: Bool

    /// Runs `text`; failures become their messages and return codes, as the CLP prints them.
    func execute(_ text: String) -> CommandOutput {
        do {
            let effect = try session.faults.checkpoint(.start, command: text)
            return try run(try CommandParser.parse(text), text: text, faultEffect: effect)
        } catch let failure as DB2Failure {
            return .messages(failure.messages)
        } catch let error as SystemCallError {
            if error.isNoSpace { return .message(DB2Message("SQL0968C")) }
            return .message(DB2Message("SQL0902C", String(error.code)))
        } catch {
            return .message(DB2Message("SQL0902C", "\(error)"))
        }
    }

    private func run(_ command: CLPCommand, text: String, faultEffect: FaultInjector.Effect?) throws -> CommandOutput {
        switch command {
        case .connect(let database, let user): return try connect(to: database, user: user)
        case .showConnection: return try showConnection()
        case .connectReset: return try connectReset()
        case .terminate: return try terminate()
        case .quit: return CommandOutput()
        case .createDatabase(let name, let path, let codeset, let territory):
            return try createDatabase(name, path: path, codeset: codeset, territory: territory)
        case .dropDatabase(let name): return try dropDatabase(name)
        case .activateDatabase(let name): return try activateDatabase(name)
        case .deactivateDatabase(let name): return try deactivateDatabase(name)
        case .listDatabaseDirectory: return try listDatabaseDirectory()
        case .listApplications: return try listApplications()
        case .listUtilities: return try listUtilities()
        case .listActiveDatabases: return try listActiveDatabases()
        case .getDatabaseConfiguration(let database): return try getDatabaseConfiguration(database)
        case .getDatabaseManagerConfiguration: return try getDatabaseManagerConfiguration()
        case .updateDatabaseConfiguration(let database, let changes):
            return try updateDatabaseConfiguration(database, changes)
        case .updateDatabaseManagerConfiguration(let changes): return try updateDatabaseManagerConfiguration(changes)
        case .backup(let request):
            return try BackupUtility(session: session, request: request, commandText: text, faultEffect: faultEffect)
                .run()
        case .restore(let request):
            return try RestoreUtility(session: session, request: request, commandText: text).run()
        case .rollforward(let request):
            return try RollforwardUtility(session: session, request: request, aliasAsTyped: typedAlias(text)).run()
        case .archiveLog(let database):
            return try ArchiveLogUtility(session: session, database: database).run()
        case .forceApplications(let all, let handles): return try forceApplications(all: all, handles: handles)
        case .quiesceInstance(let name, let restricted, let force):
            return try quiesceInstance(name, restrictedAccess: restricted, forceConnections: force)
        case .unquiesceInstance(let name): return try unquiesceInstance(name)
        case .snapshotDatabaseManager: return try snapshotDatabaseManager()
        case .startDatabaseManager:
            return .message(try ServerProcess.start(session).message)
        case .stopDatabaseManager(let force):
            return .message(try ServerProcess.stop(session, force: force).message)
        case .sql(let sql): return try executeSQL(sql)
        }
    }

    /// The database alias of a ROLLFORWARD as it was typed (its status shows it that way).
    private func typedAlias(_ text: String) -> String {
        let words = CommandWords(text).words
        return words.count > 2 ? words[2].text : ""
    }

    /// Runs an SQL statement on this back-end's connection. Text that does not start like SQL is reported the way
    /// the CLP reports a command it did not know: DB21034E, then the SQL error.
    private func executeSQL(_ text: String) throws -> CommandOutput {
        let first = CommandWords(text).upper() ?? ""
        let looksLikeSQL = SQLParser.statementKeywords.contains(first)
        do {
            let entry = try session.connectedDatabase()
            let statement = try SQLParser.parse(text)
            return try SQLEngine(session: session, entry: entry, commandText: text).execute(statement, headings: headings)
        } catch let failure as DB2Failure where !looksLikeSQL {
            throw DB2Failure(messages: [DB2Message("DB21034E")] + failure.messages)
        }
    }
}
