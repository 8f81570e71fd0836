import Foundation

/// The instance as the stand-in keeps it: its configuration and registry, the running `db2sysc`, the system database
/// directory, and the connections and utilities at work.
struct InstanceState: Codable, Equatable, Sendable {
    /// The running `db2sysc` process.
    struct Server: Codable, Equatable, Sendable {
        var process: ProcessIdentity
        var startedAt: Int64
        /// NUMDB as it was at DB2START (it takes effect only then).
        var maximumActiveDatabases: Int
    }

    /// An entry of the system database directory.
    struct DirectoryEntry: Codable, Equatable, Sendable {
        var alias: String
        var name: String
        /// The path the database was created on (DFTDBPATH), shown as "Local database directory".
        var localDirectory: String
        /// The database's `SQLnnnnn` directory under `<localDirectory>/<instance>/NODE0000`.
        var subdirectory: String
        var comment: String
    }

    /// A connection of a CLP back-end (keyed by the front-end's parent process), or a utility at work.
    struct Connection: Codable, Equatable, Sendable {
        var owner: ProcessIdentity
        var database: String
        var authorizationID: String
        var applicationHandle: Int
        var since: Int64
        /// FORCE APPLICATION ended it; the back-end learns so at its next request (SQL1224N).
        var forced: Bool
        var utility: Utility?
    }

    /// A BACKUP, RESTORE or ROLLFORWARD in progress.
    struct Utility: Codable, Equatable, Sendable {
        var id: Int
        var type: String
        var description: String
        /// The utility needs the database to itself (offline backup, restore, rollforward).
        var exclusive: Bool
    }

    struct Quiesce: Codable, Equatable, Sendable {
        var restrictedAccess: Bool
        var since: Int64
    }

    var instanceName: String
    var home: String
    var server: Server?
    var databaseManagerConfiguration: ConfigurationValues
    var instanceRegistry: [String: String]
    var globalRegistry: [String: String]
    var quiesce: Quiesce?
    var activatedDatabases: [String]
    var directory: [DirectoryEntry]
    var connections: [Connection]
    var nextDatabaseNumber: Int
    var nextApplicationHandle: Int
    var nextUtilityID: Int

    init(instanceName: String, home: String) {
        self.instanceName = instanceName
        self.home = home
        databaseManagerConfiguration = ConfigurationValues()
        instanceRegistry = [:]
        globalRegistry = [:]
        activatedDatabases = []
        directory = []
        connections = []
        nextDatabaseNumber = 1
        nextApplicationHandle = 7
        nextUtilityID = 1
    }

    var isStarted: Bool { server?.process.isAlive ?? false }

    func entry(_ alias: String) -> DirectoryEntry? { directory.first { $0.alias == alias } }

    /// Connections and utilities whose process still runs.
    var liveConnections: [Connection] { connections.filter { $0.owner.isAlive } }

    /// Databases with a connection, a utility or an explicit activation: the "active" databases.
    var activeDatabases: Set<String> {
        Set(liveConnections.filter { !$0.forced }.map(\.database)).union(activatedDatabases)
    }

    func connections(to database: String) -> [Connection] {
        liveConnections.filter { $0.database == database && !$0.forced }
    }

    /// DFTDBPATH: where new databases go.
    var defaultDatabasePath: String {
        databaseManagerConfiguration.value(
            "DFTDBPATH", in: ConfigurationTables.databaseManager, placeholders: ["HOME": home])
    }

    /// Forgets connections of dead processes, and everything of a `db2sysc` that is gone.
    mutating func prune() {
        if server != nil, !isStarted {
            server = nil
            connections.removeAll()
            activatedDatabases.removeAll()
            quiesce = nil
        }
        connections.removeAll { !$0.owner.isAlive }
    }
}
