import Foundation

/// `BACKUP DATABASE` as parsed.
struct BackupRequest: Equatable {
    var database: String
    var online = false
    /// INCREMENTAL (cumulative) or INCREMENTAL DELTA.
    var kind: BackupKind = .full
    /// Directories (or devices) the image goes to; the current directory when empty.
    var targets: [String] = []
    /// INCLUDE LOGS / EXCLUDE LOGS; nil when neither was given (online backups then include logs).
    var includeLogs: Bool?
    var withoutPrompting = false
}

/// `RESTORE DATABASE` as parsed.
struct RestoreRequest: Equatable {
    var database: String
    /// RESTORE ... LOGS: only extract the logs (needs LOGTARGET).
    var logsOnly = false
    var sources: [String] = []
    var takenAt: String?
    var into: String?
    var onPath: String?
    var logTarget: String?
    var replaceExisting = false
    var withoutRollingForward = false
    var withoutPrompting = false
    /// INCREMENTAL: one step of a manual incremental restore.
    var incremental = false
    /// INCREMENTAL AUTOMATIC (refused: the stand-in models the manual sequence only).
    var incrementalAutomatic = false
    /// INCREMENTAL ABORT: ends an incremental restore under way.
    var incrementalAbort = false
}

/// `ROLLFORWARD DATABASE` as parsed.
struct RollforwardRequest: Equatable {
    enum StopPoint: Equatable {
        case endOfLogs
        case endOfBackup
        /// An isotime, in local time or UTC (the default).
        case time(String, local: Bool)
    }

    var database: String
    var stopPoint: StopPoint?
    /// AND COMPLETE / AND STOP, or COMPLETE / STOP alone.
    var complete = false
    var queryStatus = false
    var cancel = false
    var overflowLogPaths: [String] = []
    /// Times in the status shown in local time (USING LOCAL TIME).
    var showLocalTime = false
}

/// A parameter change of UPDATE ... CONFIGURATION.
struct ConfigurationChange: Equatable {
    var name: String
    var value: String
    var automatic: Bool
}

/// The CLP commands the stand-in knows; anything else is SQL.
enum CLPCommand: Equatable {
    case connect(database: String, user: String?)
    case showConnection
    case connectReset
    case terminate
    case quit
    case createDatabase(name: String, path: String?, codeset: String?, territory: String?)
    case dropDatabase(String)
    case activateDatabase(String)
    case deactivateDatabase(String)
    case listDatabaseDirectory
    case listApplications(showDetail: Bool)
    case listUtilities(showDetail: Bool)
    case listActiveDatabases
    case getDatabaseConfiguration(database: String?)
    case getDatabaseManagerConfiguration
    case updateDatabaseConfiguration(database: String?, changes: [ConfigurationChange])
    case updateDatabaseManagerConfiguration(changes: [ConfigurationChange])
    case backup(BackupRequest)
    case restore(RestoreRequest)
    case rollforward(RollforwardRequest)
    /// ARCHIVE LOG FOR DATABASE alias.
    case archiveLog(database: String)
    case forceApplications(all: Bool, handles: [Int])
    case quiesceInstance(name: String, restrictedAccess: Bool, forceConnections: Bool)
    case unquiesceInstance(name: String)
    case snapshotDatabaseManager
    case startDatabaseManager
    case stopDatabaseManager(force: Bool)
    case sql(String)
}
