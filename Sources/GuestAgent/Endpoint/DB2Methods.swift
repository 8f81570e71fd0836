import AgentSupport
import DB2
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC

/// Trove's DB2 guest methods answered by the ``DB2Manager``: prepare, databases, users and access, lifecycle,
/// configuration, volumes, upgrades, and guest logs (``GuestLogMethods``). Names, arguments and reply shapes are
/// Trove's (`trove/guestagent/datastore/experimental/db2/manager.py`); see the README for what deliberately differs.
public struct DB2Methods: Sendable {
    public let manager: DB2Manager
    public let conductor: ConductorClient
    public let markers: PrepareMarkers
    public let guestID: String
    public let logger: Logger
    /// Restores `backup_info` during prepare (the backup pipeline provides it); without one, a prepare with
    /// `backup_info` fails.
    public let restore: (@Sendable (RPCRequest, [String: JSONValue]) async throws -> Void)?
    /// Trove's `guest` log (the agent's own log file).
    public let guestLogs: GuestLogMethods

    public init(
        manager: DB2Manager, conductor: ConductorClient, markers: PrepareMarkers, guestID: String, logger: Logger,
        guestLogs: GuestLogMethods? = nil,
        restore: (@Sendable (RPCRequest, [String: JSONValue]) async throws -> Void)? = nil
    ) {
        self.manager = manager
        self.conductor = conductor
        self.markers = markers
        self.guestID = guestID
        self.logger = logger
        self.guestLogs = guestLogs ?? GuestLogMethods(guestID: guestID, logFile: nil, exposedLogs: [])
        self.restore = restore
    }

    var notifier: EndNotifier { EndNotifier(conductor: conductor, guestID: guestID, logger: logger) }

    /// Every method, in groups for ``TroveGuestEndpoint``.
    public var groups: [[GuestMethod]] {
        [prepareMethods, databaseMethods, userMethods, lifecycleMethods, configurationMethods, volumeMethods, guestLogs.methods]
    }

    /// Runs DB2 work, turning its errors into Trove's exceptions.
    static func db2<T: Sendable>(_ body: () async throws(DB2Error) -> T) async throws(TroveError) -> T {
        do { return try await body() } catch { throw error.troveError }
    }

    /// Reads arguments into DB2's types (names checked by DB2's rules), refusals as Trove's exceptions.
    static func reading<T>(_ body: () throws(DB2Error) -> T) throws(TroveError) -> T {
        do { return try body() } catch { throw error.troveError }
    }

    /// The database names of a list of schema dicts.
    static func databaseNames(_ values: [JSONValue], argument: String) throws(TroveError) -> [DatabaseName] {
        try reading { () throws(DB2Error) in try DB2TroveModels.databaseNames(values, argument: argument) }
    }

    /// A user name argument (`username`), checked by DB2's and Linux's rules.
    static func userName(_ text: String) throws(TroveError) -> UserName {
        try reading { () throws(DB2Error) in try UserName(text) }
    }

    /// A page size: absent, null or a count from 0.
    static func limit(_ args: RPCArguments) throws(RemoteError) -> Int? {
        guard let limit = try args.optionalInt("limit") else { return nil }
        guard limit >= 0 else {
            throw RemoteError.builtin(
                "ValueError", "\(args.method)() argument 'limit' must not be negative, got \(limit)")
        }
        return limit
    }

    // MARK: - Databases

    var databaseMethods: [GuestMethod] {
        [
            GuestMethod("create_database") { request, args in
                try args.allowOnly(["databases"])
                let names = try Self.databaseNames(try args.array("databases"), argument: "databases")
                return {
                    try await notifier.around(request) {
                        try await Self.db2 { () throws(DB2Error) in try await manager.createDatabases(names) }
                    }
                    return .null
                }
            },
            GuestMethod("delete_database") { request, args in
                try args.allowOnly(["database"])
                let value = try args.required("database")
                let name = try Self.reading { () throws(DB2Error) in
                    try DB2TroveModels.databaseName(value, argument: "database")
                }
                return {
                    try await notifier.around(request) {
                        try await Self.db2 { () throws(DB2Error) in try await manager.deleteDatabase(name) }
                    }
                    return .null
                }
            },
            GuestMethod("list_databases", lane: .reads) { _, args in
                try args.allowOnly(["limit", "marker", "include_marker"])
                let limit = try Self.limit(args)
                let marker = try args.optionalString("marker")
                let includeMarker = try args.bool("include_marker", default: false)
                return {
                    let page = try await Self.db2 { () throws(DB2Error) in
                        try await manager.listDatabases(limit: limit, marker: marker, includeMarker: includeMarker)
                    }
                    return [.array(page.items.map(DB2TroveModels.schema)), page.nextMarker.map(JSONValue.string) ?? .null]
                }
            },
        ]
    }
}
