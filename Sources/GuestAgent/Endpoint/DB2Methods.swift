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

    func heartbeat(_ status: ServiceStatus) async {
        do { try await conductor.heartbeat(status, deadline: Date().addingTimeInterval(60)) } catch {
            logger.warning("heartbeat not sent", metadata: ["error": "\(error)", "service_status": "\(status.rawValue)"])
        }
    }

    // MARK: - prepare

    var prepareMethods: [GuestMethod] {
        [
            GuestMethod("prepare") { request, args in
                try args.allowOnly([
                    "packages", "databases", "memory_mb", "users", "device_path", "mount_point", "backup_info",
                    "config_contents", "root_password", "overrides", "cluster_config", "snapshot", "modules",
                    "ds_version",
                ])
                let databases = try args.optionalArray("databases") ?? []
                let users = try args.optionalArray("users") ?? []
                let devicePath = try args.optionalString("device_path")
                let mountPoint = try args.optionalString("mount_point")
                let backupInfo = try args.optionalObject("backup_info")
                let configContents = try args.optionalString("config_contents")
                let overrides = try args.optionalObject("overrides") ?? [:]
                let rootPassword = try args.optionalString("root_password")
                let modules = try args.optionalArray("modules") ?? []
                // Read now, refused in order during prepare (as Trove: a bad override fails it after `building`;
                // databases and users are created after the instance, failures only logged).
                let parsed = PrepareContents(
                    overrides: Result { () throws(DB2Error) in try DB2TroveModels.overrides(overrides) },
                    databases: databases, users: users)
                return {
                    if !modules.isEmpty {
                        // Trove applies them with its Python module drivers and only logs failures; this agent has none.
                        logger.warning("prepare: \(modules.count) guest module(s) not applied: this agent has no module drivers")
                    }
                    try await notifier.around(request, payload: ["instance_id": .string(guestID)]) {
                        try await prepare(
                            request, contents: parsed, devicePath: devicePath, mountPoint: mountPoint,
                            backupInfo: backupInfo, configContents: configContents, rootPassword: rootPassword)
                    }
                    return .null
                }
            }
        ]
    }

    /// Trove's `_prepare`: `building`, the instance, the restore, databases and users, then `running` (or the real
    /// status) and the end marker — or `failed to spawn`.
    func prepare(
        _ request: RPCRequest, contents: PrepareContents, devicePath: String?, mountPoint: String?,
        backupInfo: [String: JSONValue]?, configContents: String?, rootPassword: String?
    ) async throws {
        do { try markers.markStarted() } catch {
            logger.warning("prepare start marker not written", metadata: ["error": "\(error)"])
        }
        await heartbeat(.building)
        do {
            let parsedOverrides = try contents.overrides.mapError(\.troveError).get()
            try await Self.db2 { () throws(DB2Error) in
                try await manager.prepare(
                    PrepareRequest(
                        devicePath: devicePath, mountPoint: mountPoint, configContents: configContents,
                        overrides: parsedOverrides))
            }
            if let backupInfo {
                guard let restore else {
                    throw TroveError.guestError("restoring a backup during prepare is not available in this agent")
                }
                try await restore(request, backupInfo)
            }
            // Trove creates these after reporting `running`; we create them before the final heartbeat, so an
            // ACTIVE instance has its databases and users. As in Trove, a failure does not fail prepare.
            await createDatabasesLogged(contents.databases, request: request)
            await createUsersLogged(contents.users, request: request)
            if rootPassword != nil {
                logger.warning("root_password ignored: enable_root is not supported for db2 (as in Trove)")
            }
            try markers.markCompleted()
            await heartbeat(ServiceStatus(await manager.status()))
            logger.info("prepare completed")
        } catch {
            logger.error("prepare failed", metadata: ["error": "\(error)"])
            await heartbeat(.failedToSpawn)
            throw error
        }
    }

    /// prepare's databases: every valid one is created (Trove's `create_database` goes on past a database that
    /// fails); a name DB2 refuses, or a database DB2 could not create, is logged and reported to the conductor as
    /// Trove's end-notification wrapper reports a failed step (`notify_exc_info`), and prepare goes on.
    func createDatabasesLogged(_ values: [JSONValue], request: RPCRequest) async {
        guard !values.isEmpty else { return }
        var names: [DatabaseName] = []
        var failures: [DB2Error] = []
        for value in values {
            do throws(DB2Error) { names.append(try DB2TroveModels.databaseName(value, argument: "databases")) } catch {
                failures.append(error)
            }
        }
        if !names.isEmpty {
            do throws(DB2Error) { try await manager.createDatabases(names) } catch { failures.append(error) }
        }
        await reportPrepareFailures(failures, of: "databases", request: request)
    }

    /// prepare's users, as ``createDatabasesLogged(_:request:)``: every valid user is created, the others reported.
    func createUsersLogged(_ values: [JSONValue], request: RPCRequest) async {
        guard !values.isEmpty else { return }
        var users: [NewDatabaseUser] = []
        var failures: [DB2Error] = []
        for value in values {
            do throws(DB2Error) { users.append(try DB2TroveModels.newUser(value)) } catch { failures.append(error) }
        }
        if !users.isEmpty {
            do throws(DB2Error) { try await manager.createUsers(users) } catch { failures.append(error) }
        }
        await reportPrepareFailures(failures, of: "users", request: request)
    }

    /// Logs what prepare could not create and tells the conductor (`notify_exc_info`, when the request carries a
    /// notification): one failure as its Trove exception, several as a GuestError naming each.
    func reportPrepareFailures(_ failures: [DB2Error], of what: String, request: RPCRequest) async {
        guard let first = failures.first else { return }
        let detail = failures.map(\.description).joined(separator: "; ")
        logger.error("prepare: \(what) not created", metadata: ["error": "\(detail)"])
        let error = failures.count == 1 ? first.troveError : TroveError.guestError("\(what) not created: \(detail)")
        await notifier.notifyError(error, request: request)
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

    // MARK: - Users

    var userMethods: [GuestMethod] {
        [
            GuestMethod("create_user") { request, args in
                try args.allowOnly(["users"])
                let values = try args.array("users")
                let users = try Self.reading { () throws(DB2Error) in try DB2TroveModels.newUsers(values) }
                return {
                    try await notifier.around(request) {
                        try await Self.db2 { () throws(DB2Error) in try await manager.createUsers(users) }
                    }
                    return .null
                }
            },
            GuestMethod("delete_user") { request, args in
                try args.allowOnly(["user"])
                let value = try args.required("user")
                let name = try Self.reading { () throws(DB2Error) in try DB2TroveModels.userName(value, argument: "user") }
                return {
                    try await notifier.around(request) {
                        try await Self.db2 { () throws(DB2Error) in try await manager.deleteUser(name) }
                    }
                    return .null
                }
            },
            GuestMethod("get_user", lane: .reads) { _, args in
                try args.allowOnly(["username", "hostname"])
                let name = try Self.userName(try args.string("username"))
                _ = try args.optionalString("hostname")
                return {
                    try await Self.db2 { () throws(DB2Error) in DB2TroveModels.user(try await manager.user(named: name)) }
                }
            },
            GuestMethod("list_users", lane: .reads) { _, args in
                try args.allowOnly(["limit", "marker", "include_marker"])
                let limit = try Self.limit(args)
                let marker = try args.optionalString("marker").map(Self.userName(fromMarker:))
                let includeMarker = try args.bool("include_marker", default: false)
                return {
                    let page = try await Self.db2 { () throws(DB2Error) in
                        try await manager.listUsers(limit: limit, marker: marker, includeMarker: includeMarker)
                    }
                    return [.array(page.items.map(DB2TroveModels.user)), page.nextMarker.map(JSONValue.string) ?? .null]
                }
            },
            GuestMethod("list_access", lane: .reads) { _, args in
                try args.allowOnly(["username", "hostname"])
                let name = try Self.userName(try args.string("username"))
                _ = try args.optionalString("hostname")
                return {
                    try await Self.db2 { () throws(DB2Error) in
                        .array(try await manager.access(of: name).map(DB2TroveModels.schema))
                    }
                }
            },
            GuestMethod("grant_access") { _, args in
                try args.allowOnly(["username", "hostname", "databases"])
                let name = try Self.userName(try args.string("username"))
                _ = try args.optionalString("hostname")
                let names = try Self.databaseNames(try args.array("databases"), argument: "databases")
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.grantAccess(to: name, on: names) }
                    return .null
                }
            },
            GuestMethod("revoke_access") { _, args in
                try args.allowOnly(["username", "hostname", "database"])
                let name = try Self.userName(try args.string("username"))
                _ = try args.optionalString("hostname")
                let value = try args.required("database")
                let database = try Self.reading { () throws(DB2Error) in
                    try DB2TroveModels.databaseName(value, argument: "database")
                }
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.revokeAccess(from: name, on: database) }
                    return .null
                }
            },
        ]
    }

    /// The user name of a `list_users` marker. Trove's API pages users by `<name>@<host>` (`User.create`'s
    /// duplicate check asks for `marker="<name>@%"`, `include_marker=True`); DB2 users all have host `%` and a user
    /// name holds no `@`, so the name is what comes before it.
    static func userName(fromMarker marker: String) -> String {
        marker.firstIndex(of: "@").map { String(marker[..<$0]) } ?? marker
    }

    // MARK: - Lifecycle

    var lifecycleMethods: [GuestMethod] {
        [
            GuestMethod("restart") { _, args in
                try args.allowOnly([])
                return {
                    // Trove's begin_restart / end_restart: no periodic heartbeat in between (it would report the
                    // instance down), then the real status, whether the restart worked or not.
                    await conductor.pausePeriodicHeartbeats()
                    do {
                        try await Self.db2 { () throws(DB2Error) in try await manager.restart() }
                    } catch {
                        await conductor.resumePeriodicHeartbeats()
                        await heartbeat(ServiceStatus(await manager.status()))
                        throw error
                    }
                    await conductor.resumePeriodicHeartbeats()
                    await heartbeat(ServiceStatus(await manager.status()))
                    return .null
                }
            },
            GuestMethod("stop_db") { _, args in
                try args.allowOnly(["do_not_start_on_reboot"])
                let disable = try args.bool("do_not_start_on_reboot", default: false)
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.stop(disableAutostart: disable) }
                    return .null
                }
            },
            GuestMethod("start_db_with_conf_changes") { _, args in
                try args.allowOnly(["config_contents"])
                let contents = try args.optionalString("config_contents")
                return {
                    try await Self.db2 { () throws(DB2Error) in
                        if let contents { try await manager.saveConfiguration(contents) }
                        try await manager.start()
                    }
                    await heartbeat(ServiceStatus(await manager.status()))
                    return .null
                }
            },
            GuestMethod("pre_upgrade", lane: .prompt) { _, args in
                try args.allowOnly([])
                return { [:] }
            },
            GuestMethod("post_upgrade") { _, args in
                try args.allowOnly(["upgrade_info"])
                return { .null }
            },
        ]
    }

    // MARK: - Configuration

    var configurationMethods: [GuestMethod] {
        [
            GuestMethod("reset_configuration") { _, args in
                try args.allowOnly(["configuration"])
                let configuration = try args.object("configuration")
                let value = configuration["config_contents"] ?? .null
                guard value.isNull || value.stringValue != nil else {
                    throw RemoteError.builtin(
                        "TypeError",
                        "reset_configuration() argument 'configuration': 'config_contents' must be a string, "
                            + "not \(value.typeName)")
                }
                let contents = value.stringValue ?? ""
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.saveConfiguration(contents) }
                    return .null
                }
            },
            GuestMethod("update_overrides") { _, args in
                try args.allowOnly(["overrides", "remove"])
                let values = try args.optionalObject("overrides") ?? [:]
                let remove = try args.bool("remove", default: false)
                let overrides = try Self.reading { () throws(DB2Error) in try DB2TroveModels.overrides(values) }
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.updateOverrides(overrides, remove: remove) }
                    return .null
                }
            },
            GuestMethod("apply_overrides") { _, args in
                try args.allowOnly(["overrides"])
                let values = try args.optionalObject("overrides") ?? [:]
                let overrides = try Self.reading { () throws(DB2Error) in try DB2TroveModels.overrides(values) }
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.applyOverrides(overrides) }
                    return .null
                }
            },
        ]
    }

    // MARK: - Volumes

    var volumeMethods: [GuestMethod] {
        let configuration = manager.configuration
        @Sendable func paths(_ args: RPCArguments) throws -> (String, String) {
            (
                try args.optionalString("device_path") ?? "", try args.optionalString("mount_point") ?? configuration.mountPoint
            )
        }
        return [
            GuestMethod("mount_volume") { _, args in
                try args.allowOnly(["device_path", "mount_point", "write_to_fstab"])
                let (device, mountPoint) = try paths(args)
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.mountVolume(device: device, at: mountPoint) }
                    return .null
                }
            },
            GuestMethod("unmount_volume") { _, args in
                try args.allowOnly(["device_path", "mount_point"])
                let (device, mountPoint) = try paths(args)
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.unmountVolume(device: device, at: mountPoint) }
                    return .null
                }
            },
            GuestMethod("resize_fs") { _, args in
                try args.allowOnly(["device_path", "mount_point"])
                let (device, mountPoint) = try paths(args)
                return {
                    try await Self.db2 { () throws(DB2Error) in
                        try await manager.resizeFileSystem(device: device, at: mountPoint)
                    }
                    return .null
                }
            },
        ]
    }
}

extension DB2Methods {
    /// What `prepare` creates, read with its arguments: the overrides refused (or used) when prepare reaches them;
    /// each database and user checked on its own when prepare creates them (a bad one is reported, the others
    /// created, as Trove does).
    struct PrepareContents: Sendable {
        var overrides: Result<[ConfigurationOverride], DB2Error>
        var databases: [JSONValue]
        var users: [JSONValue]
    }
}
