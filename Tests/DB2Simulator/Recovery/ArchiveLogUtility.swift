import Foundation

/// ARCHIVE LOG FOR DATABASE: closes the database's current log file early and archives it, so that everything
/// committed so far is in the archive (IBM, *ARCHIVE LOG command*,
/// https://www.ibm.com/docs/en/db2/11.5.x?topic=commands-archive-log).
///
/// "This command establishes a database connection for the duration of the command": the database is activated as a
/// CONNECT would (pending states refuse it the same way). "This command can only be executed when the invoking
/// application or shell does not have a database connection to the specified database ... If a database connection to
/// the specified database already exists, the command will terminate and return an error": SQL1493N [mem: IBM's page
/// does not name the message]. A connection of the same back-end to another database does not stop it.
struct ArchiveLogUtility {
    let session: CLPSession
    let database: String

    func run() throws -> CommandOutput {
        try session.instance.update { state in
            try session.requireStarted(state)
            let entry = try session.entry(database, in: state)
            if let own = session.ownConnection(in: state), own.database == entry.alias {
                throw DB2Failure(DB2Message("SQL1493N"))
            }
            try session.activate(entry, in: &state)
            let store = session.instance.databaseStore(for: entry)
            // The closed file is archived as the update ends (LOGARCHMETH1 DISK:), like any full one. A database
            // without archive logging closes the file all the same [inference: IBM describes the command for a
            // recoverable database only].
            _ = try store.update { database in
                try LogWriter.truncateAndClose(state: &database, location: store.location)
            }
        }
        return .message(.completed("ARCHIVE LOG"))
    }
}
